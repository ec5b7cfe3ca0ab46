#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace gh {

// A receive buffer: bytes land at the end, messages are viewed in place and consumed
// from the front. Grows only when one message does not fit, and shrinks back when it
// is empty again, so memory stays flat under streams of small messages.
class ByteBuffer {
 public:
  explicit ByteBuffer(size_t initial = 64 * 1024) : initial_(initial) {}

  std::string_view readable() const { return {data_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }

  // Space to read into; at least `min` bytes (compacting or growing as needed).
  char* writable(size_t min = 1) {
    if (!data_) {
      cap_ = initial_ > min ? initial_ : min;
      data_.reset(new char[cap_]);  // not zeroed: bytes are always written before read
    }
    if (cap_ - end_ < min) make_room(min);
    return data_.get() + end_;
  }
  size_t writable_size() const { return cap_ - end_; }
  void commit(size_t n) { end_ += n; }

  // Ensures a message of `total` bytes starting at the front fits.
  void reserve_message(size_t total) {
    if (cap_ - begin_ < total) make_room(total - (end_ - begin_));
  }

  // Returns a buffer that grew for one large message to its initial size once empty.
  void shrink_if_idle() {
    if (empty() && cap_ > initial_ * 4) {
      data_.reset();
      cap_ = 0;
    }
  }
  size_t capacity() const { return cap_; }

 private:
  void make_room(size_t min) {
    size_t used = end_ - begin_;
    if (cap_ - used >= min && begin_ > 0 && used + min <= cap_) {
      std::memmove(data_.get(), data_.get() + begin_, used);
    } else {
      size_t ncap = cap_ * 2;
      if (ncap < used + min) ncap = used + min;
      std::unique_ptr<char[]> nd(new char[ncap]);
      if (used) std::memcpy(nd.get(), data_.get() + begin_, used);
      data_ = std::move(nd);
      cap_ = ncap;
    }
    begin_ = 0;
    end_ = used;
  }

  std::unique_ptr<char[]> data_;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t initial_;
};

}  // namespace gh
