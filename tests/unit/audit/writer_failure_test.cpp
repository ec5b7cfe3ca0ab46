// Fail closed: when records cannot be written, append() says so (Io, a clear message),
// healthy() is false, and tick() brings the writer back by itself once writing works.
// Tests run as root, where a read-only directory does not stop writes, so failures are
// injected through WriterOptions::inject_fault, or made real by removing the directory.

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <future>

#include "audit/writer.h"
#include "audit_test_util.h"

namespace gh::audit {
namespace {

using test::AuditTest;
namespace fs = std::filesystem;

constexpr int64_t kSec = 1'000'000'000;

class WriterFailureTest : public AuditTest, public ::testing::WithParamInterface<FileOp> {
 protected:
  WriterOptions failing_options() {
    WriterOptions o = options(0, 4096);
    o.inject_fault = [this](FileOp op, const std::string&) {
      return fail_op_.load() == static_cast<int>(op) ? fail_errno_.load() : 0;
    };
    return o;
  }
  void fail(FileOp op, int err) {
    fail_errno_ = err;
    fail_op_ = static_cast<int>(op);
  }
  void heal() { fail_op_ = -1; }

  // Appends until an append fails (the segment fills and rotation hits the fault).
  Status append_until_failure(StreamWriter& w, int max = 200) {
    for (int i = 0; i < max; ++i) {
      auto r = w.append(RecordType::kStatement, i, test::statement_payload(i));
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  }

  std::atomic<int> fail_op_{-1};
  std::atomic<int> fail_errno_{0};
};

TEST_P(WriterFailureTest, SegmentCreationFailureFailsClosedThenRecovers) {
  auto w = open(failing_options());
  ASSERT_NE(w, nullptr);
  fail(GetParam(), ENOSPC);
  Status s = append_until_failure(*w);
  ASSERT_EQ(s.code(), Status::Code::kIo);
  EXPECT_NE(s.message().find("audit: cannot write segment " + seg_path(0, 1).string() +
                             ": No space left on device"),
            std::string::npos)
      << s.message();
  EXPECT_FALSE(w->healthy());
  EXPECT_EQ(w->last_error(), s.message());
  // Keeps refusing, also after a retry that still fails.
  int64_t t = 100 * kSec;
  w->tick(t);
  EXPECT_FALSE(w->healthy());
  EXPECT_EQ(w->append(RecordType::kStatement, 1, "{}").status().code(), Status::Code::kIo);
  EXPECT_FALSE(fs::exists(seg_path(0, 1)));
  EXPECT_FALSE(fs::exists(seg_path(0, 1).string() + ".tmp"));

  heal();
  w->tick(t + kSec);
  EXPECT_TRUE(w->healthy()) << w->last_error();
  EXPECT_TRUE(w->last_error().empty());
  EXPECT_TRUE(w->append(RecordType::kStatement, 1, test::statement_payload(1)).ok());
  EXPECT_TRUE(fs::exists(seg_path(0, 1)));
  ASSERT_TRUE(w->close().ok());
  VerifyReport r = run_verify();
  EXPECT_TRUE(r.ok()) << r.summary();
}

INSTANTIATE_TEST_SUITE_P(EveryFileOp, WriterFailureTest,
                         ::testing::Values(FileOp::kCreate, FileOp::kAllocate, FileOp::kMap));

class WriterFailure : public WriterFailureTest {};

TEST_F(WriterFailure, SyncErrorFailsStrictCallersAndTheWriterRecovers) {
  auto w = open(failing_options());
  ASSERT_NE(w, nullptr);
  auto seq = w->append(RecordType::kStatement, 1, test::statement_payload(1));
  ASSERT_TRUE(seq.ok());
  fail(FileOp::kSync, EIO);
  std::promise<bool> p;
  w->request_sync(*seq, [&](bool ok) { p.set_value(ok); });
  EXPECT_FALSE(p.get_future().get());
  auto r = w->append(RecordType::kStatement, 2, "{}");
  ASSERT_EQ(r.status().code(), Status::Code::kIo);
  EXPECT_NE(r.status().message().find("Input/output error"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(w->healthy());

  heal();
  w->tick(10 * kSec);
  ASSERT_TRUE(w->healthy()) << w->last_error();
  auto seq2 = w->append(RecordType::kStatement, 3, "{}");
  ASSERT_TRUE(seq2.ok());
  std::promise<bool> p2;
  w->request_sync(*seq2, [&](bool ok) { p2.set_value(ok); });
  EXPECT_TRUE(p2.get_future().get());
  // The record whose sync failed is never reported durable afterwards.
  std::promise<bool> p3;
  w->request_sync(*seq, [&](bool ok) { p3.set_value(ok); });
  EXPECT_FALSE(p3.get_future().get());
  ASSERT_TRUE(w->close().ok());
  EXPECT_TRUE(run_verify().ok());
}

TEST_F(WriterFailure, RemovedDirectoryIsDetectedAndWritingResumesWhenItIsBack) {
  auto w = open(options(0, 1 << 16));
  ASSERT_NE(w, nullptr);
  auto seq = w->append(RecordType::kStatement, 1, test::statement_payload(1));
  ASSERT_TRUE(seq.ok());
  fs::remove_all(dir_);

  // The syncer notices within a sync interval: a strict caller is refused.
  auto seq2 = w->append(RecordType::kStatement, 2, test::statement_payload(2));
  ASSERT_TRUE(seq2.ok());  // into the page cache of a file that is gone
  std::promise<bool> p;
  w->request_sync(*seq2, [&](bool ok) { p.set_value(ok); });
  EXPECT_FALSE(p.get_future().get());
  auto r = w->append(RecordType::kStatement, 3, "{}");
  ASSERT_EQ(r.status().code(), Status::Code::kIo);
  EXPECT_NE(r.status().message().find("the file was removed"), std::string::npos)
      << r.status().message();

  // tick() retries, but the audit directory itself is not made again behind the
  // operator's back.
  w->tick(10 * kSec);
  EXPECT_FALSE(w->healthy());
  EXPECT_NE(w->last_error().find("is gone"), std::string::npos) << w->last_error();

  fs::create_directories(dir_);
  w->tick(11 * kSec);
  ASSERT_TRUE(w->healthy()) << w->last_error();
  auto seq3 = w->append(RecordType::kStatement, 4, test::statement_payload(4));
  ASSERT_TRUE(seq3.ok());
  EXPECT_GT(*seq3, *seq2);
  std::promise<bool> p2;
  w->request_sync(*seq3, [&](bool ok) { p2.set_value(ok); });
  EXPECT_TRUE(p2.get_future().get());
  ASSERT_TRUE(w->close().ok());

  // What was lost shows: verify names the missing segment before the new one.
  VerifyReport v = run_verify();
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.problems[0].what.find("no prune record accounts for them"), std::string::npos)
      << v.summary();
}

TEST_F(WriterFailure, PathReplacedUnderTheWriterIsDetectedByTick) {
  auto w = open(options(0, 1 << 16));
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->append(RecordType::kStatement, 1, "{}").ok());
  // Moved aside and replaced by another file: the mapping still works, the path lies.
  fs::rename(seg_path(0, 0), seg_path(0, 0).string() + ".moved");
  test::write_file(seg_path(0, 0), "x");
  w->tick(kSec);
  // Detected, then recovered in the same tick with a new segment.
  EXPECT_TRUE(w->healthy()) << w->last_error();
  EXPECT_TRUE(fs::exists(seg_path(0, 1)));
  ASSERT_TRUE(w->close().ok());
}

}  // namespace
}  // namespace gh::audit
