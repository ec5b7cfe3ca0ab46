#pragma once

// The life of one client connection as a small state machine, so the order of the
// startup steps is explicit and unit-testable.

#include <cstdint>

namespace gh::pg {

enum class SessionPhase : uint8_t {
  kAwaitStartup,    // first packet: SSLRequest, GSSENCRequest, CancelRequest or StartupMessage
  kAwaitPassword,   // AuthenticationCleartextPassword sent; waiting for the API key or token
  kConnectBackend,  // authenticated; opening the real server connection
  kRelay,           // ReadyForQuery sent; relaying
  kClosed,
};

enum class SessionEvent : uint8_t {
  kSslRequest,    // answered 'S' (then TLS) or 'N'
  kGssRequest,    // answered 'N'
  kStartup,       // a valid v3 StartupMessage
  kPasswordOk,    // the presented credential was verified
  kBackendReady,  // the server login finished
  kFailure,       // any refusal or error
  kTerminate,     // either side ended the session
};

// The phase after `event` in `phase`; kClosed for anything out of order.
constexpr SessionPhase next_phase(SessionPhase phase, SessionEvent event) {
  if (event == SessionEvent::kFailure || event == SessionEvent::kTerminate)
    return SessionPhase::kClosed;
  switch (phase) {
    case SessionPhase::kAwaitStartup:
      if (event == SessionEvent::kSslRequest || event == SessionEvent::kGssRequest)
        return SessionPhase::kAwaitStartup;
      if (event == SessionEvent::kStartup) return SessionPhase::kAwaitPassword;
      return SessionPhase::kClosed;
    case SessionPhase::kAwaitPassword:
      return event == SessionEvent::kPasswordOk ? SessionPhase::kConnectBackend
                                                : SessionPhase::kClosed;
    case SessionPhase::kConnectBackend:
      return event == SessionEvent::kBackendReady ? SessionPhase::kRelay : SessionPhase::kClosed;
    case SessionPhase::kRelay:
    case SessionPhase::kClosed:
      return SessionPhase::kClosed;
  }
  return SessionPhase::kClosed;
}

}  // namespace gh::pg
