#pragma once

// A bounds-checked cursor over a message body. Every read reports failure instead of
// running past the end; parsers check `ok()` once at the end.

#include <cstdint>
#include <string_view>

#include "pg/protocol/frame.h"

namespace gh::pg {

class BodyReader {
 public:
  explicit BodyReader(std::string_view body) : data_(body) {}

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }

  uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<uint8_t>(data_[pos_++]);
  }
  uint16_t u16() {
    if (!need(2)) return 0;
    uint16_t v = read_u16(data_.data() + pos_);
    pos_ += 2;
    return v;
  }
  int16_t i16() { return static_cast<int16_t>(u16()); }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = read_u32(data_.data() + pos_);
    pos_ += 4;
    return v;
  }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  // A NUL-terminated string (the NUL is consumed, not returned).
  std::string_view cstr() {
    if (!ok_) return {};
    size_t n = data_.find('\0', pos_);
    if (n == std::string_view::npos) {
      ok_ = false;
      return {};
    }
    std::string_view s = data_.substr(pos_, n - pos_);
    pos_ = n + 1;
    return s;
  }
  std::string_view bytes(size_t n) {
    if (!need(n)) return {};
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view rest() {
    std::string_view s = data_.substr(pos_);
    pos_ = data_.size();
    return s;
  }

 private:
  bool need(size_t n) {
    if (!ok_ || data_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace gh::pg
