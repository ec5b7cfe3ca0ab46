#pragma once

#include <asio/io_context.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace gh::net {

// One io_context per thread. A connection lives on one thread for its whole life, so
// the data path takes no locks.
class IoThreads {
 public:
  explicit IoThreads(int count);  // 0 = one per core
  ~IoThreads();
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  int size() const { return static_cast<int>(contexts_.size()); }
  asio::io_context& context(int i) { return *contexts_[static_cast<size_t>(i)]; }

  void start();  // runs every context on its own thread
  void stop();   // stops the contexts and joins
  // Index of the io thread the caller runs on, or -1 outside them.
  static int current_index();

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>>> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace gh::net
