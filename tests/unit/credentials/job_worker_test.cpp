#include "credentials/job_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace gh::credentials {
namespace {

using Mode = JobWorker::Mode;

TEST(JobWorker, RunsJobsInOrderOnOneOtherThread) {
  JobWorker w;
  w.start();
  std::vector<int> order;
  std::vector<std::thread::id> threads;
  std::promise<void> finished;
  for (int i = 0; i < 50; ++i) {
    w.post([&, i](Mode m) {
      EXPECT_EQ(m, Mode::kRun);
      EXPECT_TRUE(w.on_worker_thread());
      order.push_back(i);
      threads.push_back(std::this_thread::get_id());
      if (i == 49) finished.set_value();
    });
  }
  finished.get_future().wait();
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
  for (auto id : threads) EXPECT_EQ(id, threads[0]);
  EXPECT_NE(threads[0], std::this_thread::get_id());
  EXPECT_FALSE(w.on_worker_thread());
}

TEST(JobWorker, JobsPostedBeforeStartWaitForIt) {
  JobWorker w;
  std::atomic<int> ran{0};
  w.post([&](Mode m) { ran += m == Mode::kRun; });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ran.load(), 0);
  w.start();
  w.stop();
  EXPECT_EQ(ran.load(), 1);
}

TEST(JobWorker, StopDrainsTheQueueThenRejects) {
  JobWorker w;
  w.start();
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) {
    w.post([&](Mode m) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      ran += m == Mode::kRun;
    });
  }
  w.stop();
  EXPECT_EQ(ran.load(), 10);
  EXPECT_TRUE(w.stopping());
  bool rejected_here = false;
  w.post([&](Mode m) { rejected_here = m == Mode::kRejected && !w.on_worker_thread(); });
  EXPECT_TRUE(rejected_here);
}

TEST(JobWorker, StopWithoutStartStillRunsQueuedJobs) {
  std::atomic<int> ran{0};
  {
    JobWorker w;
    w.post([&](Mode m) { ran += m == Mode::kRun; });
  }  // destructor stops
  EXPECT_EQ(ran.load(), 1);
}

TEST(JobWorker, AThrowingJobDoesNotKillTheWorker) {
  JobWorker w;
  w.start();
  w.post([](Mode) { throw std::runtime_error("callback bug"); });
  std::promise<void> after;
  w.post([&](Mode) { after.set_value(); });
  EXPECT_EQ(after.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

TEST(JobWorker, StopFromAJobDoesNotDeadlock) {
  JobWorker w;
  w.start();
  std::promise<void> stopped;
  w.post([&](Mode) {
    w.stop();
    stopped.set_value();
  });
  EXPECT_EQ(stopped.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  w.stop();  // joins from here
}

TEST(JobWorker, CanRestart) {
  JobWorker w;
  w.start();
  w.stop();
  w.start();
  std::promise<Mode> mode;
  w.post([&](Mode m) { mode.set_value(m); });
  EXPECT_EQ(mode.get_future().get(), Mode::kRun);
}

}  // namespace
}  // namespace gh::credentials
