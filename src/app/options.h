#pragma once

#include <string>
#include <vector>

namespace gh::app {

// Minimal `--flag value` / `--flag=value` parsing for the subcommands.
class Options {
 public:
  explicit Options(std::vector<std::string> args) : args_(std::move(args)) {}

  // Removes and returns the value of `flag` ("" when absent).
  std::string take(const std::string& flag) {
    for (size_t i = 0; i < args_.size(); ++i) {
      if (args_[i] == flag && i + 1 < args_.size()) {
        std::string v = args_[i + 1];
        args_.erase(args_.begin() + static_cast<long>(i), args_.begin() + static_cast<long>(i) + 2);
        return v;
      }
      if (args_[i].rfind(flag + "=", 0) == 0) {
        std::string v = args_[i].substr(flag.size() + 1);
        args_.erase(args_.begin() + static_cast<long>(i));
        return v;
      }
    }
    return {};
  }
  bool take_switch(const std::string& flag) {
    for (size_t i = 0; i < args_.size(); ++i) {
      if (args_[i] == flag) {
        args_.erase(args_.begin() + static_cast<long>(i));
        return true;
      }
    }
    return false;
  }
  const std::vector<std::string>& rest() const { return args_; }

 private:
  std::vector<std::string> args_;
};

}  // namespace gh::app
