#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace gh::credentials {

// One thread that runs jobs in order. The admin connection uses libpq's blocking API, so it
// lives on this thread alone; callers only ever take a mutex to queue.
class JobWorker {
 public:
  // kRun: on the worker thread. kRejected: the worker has stopped; the job is called at once
  // on the posting thread so it can still report back.
  enum class Mode { kRun, kRejected };
  using Job = std::function<void(Mode)>;

  JobWorker() = default;
  ~JobWorker();
  JobWorker(const JobWorker&) = delete;
  JobWorker& operator=(const JobWorker&) = delete;

  // Jobs posted before start() wait for it. Idempotent.
  void start();
  // Stops accepting jobs, runs the queued ones, then joins. Idempotent. Called from a job it
  // only stops accepting and lets the thread finish the queue (it cannot join itself).
  void stop();
  void post(Job job);

  // True from stop() on: jobs still draining can skip slow work such as a reconnect.
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  bool on_worker_thread() const { return std::this_thread::get_id() == thread_id_.load(); }

 private:
  void run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool accepting_ = true;
  bool exit_when_idle_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<std::thread::id> thread_id_{};
  std::thread thread_;
};

}  // namespace gh::credentials
