#include "net/io_threads.h"

#include <pthread.h>

#include <string>

namespace gh::net {

namespace {
thread_local int t_index = -1;
}

IoThreads::IoThreads(int count) {
  if (count <= 0) count = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < count; ++i) contexts_.push_back(std::make_unique<asio::io_context>(1));
}

IoThreads::~IoThreads() { stop(); }

void IoThreads::start() {
  for (size_t i = 0; i < contexts_.size(); ++i) {
    guards_.push_back(std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
        contexts_[i]->get_executor()));
    threads_.emplace_back([this, i] {
      t_index = static_cast<int>(i);
      std::string name = "gh-io-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      contexts_[i]->run();
    });
  }
}

void IoThreads::stop() {
  guards_.clear();
  for (auto& c : contexts_) c->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

int IoThreads::current_index() { return t_index; }

}  // namespace gh::net
