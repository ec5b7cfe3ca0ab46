#include "credentials/job_worker.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace gh::credentials {

JobWorker::~JobWorker() { stop(); }

void JobWorker::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  accepting_ = true;
  exit_when_idle_ = false;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void JobWorker::stop() {
  std::thread t;
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
    stopping_ = true;
    exit_when_idle_ = true;
    if (!thread_.joinable()) {
      // Never started but holding jobs: run them now so every `done` is still called.
      if (!jobs_.empty())
        thread_ = std::thread([this] { run(); });
      else
        return;
    }
    if (std::this_thread::get_id() == thread_.get_id()) return;
    t = std::move(thread_);
  }
  wake_.notify_all();
  t.join();
}

void JobWorker::post(Job job) {
  {
    std::lock_guard lock(mu_);
    if (accepting_) {
      jobs_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  job(Mode::kRejected);
}

void JobWorker::run() {
  thread_id_ = std::this_thread::get_id();
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return !jobs_.empty() || exit_when_idle_; });
      if (jobs_.empty()) break;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    // A throwing callback must not take the worker (and every later job) down with it.
    try {
      job(Mode::kRun);
    } catch (const std::exception& e) {
      spdlog::error("credentials: a role job threw: {}", e.what());
    } catch (...) {
      spdlog::error("credentials: a role job threw");
    }
  }
  thread_id_ = std::thread::id{};
}

}  // namespace gh::credentials
