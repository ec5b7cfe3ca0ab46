#include "pg/session/session_phase.h"

#include <gtest/gtest.h>

namespace gh::pg {
namespace {

TEST(SessionPhase, HappyPath) {
  SessionPhase p = SessionPhase::kAwaitStartup;
  p = next_phase(p, SessionEvent::kGssRequest);
  EXPECT_EQ(p, SessionPhase::kAwaitStartup);
  p = next_phase(p, SessionEvent::kSslRequest);
  EXPECT_EQ(p, SessionPhase::kAwaitStartup);
  p = next_phase(p, SessionEvent::kStartup);
  EXPECT_EQ(p, SessionPhase::kAwaitPassword);
  p = next_phase(p, SessionEvent::kPasswordOk);
  EXPECT_EQ(p, SessionPhase::kConnectBackend);
  p = next_phase(p, SessionEvent::kBackendReady);
  EXPECT_EQ(p, SessionPhase::kRelay);
  EXPECT_EQ(next_phase(p, SessionEvent::kTerminate), SessionPhase::kClosed);
}

TEST(SessionPhase, OutOfOrderCloses) {
  EXPECT_EQ(next_phase(SessionPhase::kAwaitStartup, SessionEvent::kPasswordOk),
            SessionPhase::kClosed);
  EXPECT_EQ(next_phase(SessionPhase::kAwaitPassword, SessionEvent::kSslRequest),
            SessionPhase::kClosed);
  EXPECT_EQ(next_phase(SessionPhase::kConnectBackend, SessionEvent::kStartup),
            SessionPhase::kClosed);
  EXPECT_EQ(next_phase(SessionPhase::kRelay, SessionEvent::kStartup), SessionPhase::kClosed);
  EXPECT_EQ(next_phase(SessionPhase::kClosed, SessionEvent::kBackendReady),
            SessionPhase::kClosed);
  for (auto p : {SessionPhase::kAwaitStartup, SessionPhase::kAwaitPassword,
                 SessionPhase::kConnectBackend, SessionPhase::kRelay})
    EXPECT_EQ(next_phase(p, SessionEvent::kFailure), SessionPhase::kClosed);
}

}  // namespace
}  // namespace gh::pg
