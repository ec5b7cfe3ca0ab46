#include "common/byte_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace gh {
namespace {

void put(ByteBuffer& b, std::string_view s) {
  char* p = b.writable(s.size());
  std::memcpy(p, s.data(), s.size());
  b.commit(s.size());
}

TEST(ByteBuffer, AppendConsumeCompact) {
  ByteBuffer b(16);
  put(b, "hello ");
  put(b, "world");
  EXPECT_EQ(b.readable(), "hello world");
  b.consume(6);
  EXPECT_EQ(b.readable(), "world");
  put(b, "0123456789abcdef");  // forces compaction or growth, content kept
  EXPECT_EQ(b.readable(), "world0123456789abcdef");
  b.consume(b.size());
  EXPECT_TRUE(b.empty());
}

TEST(ByteBuffer, ReserveMessageAndShrink) {
  ByteBuffer b(16);
  put(b, "abc");
  b.reserve_message(1000);
  EXPECT_GE(b.capacity(), 1000u);
  EXPECT_EQ(b.readable(), "abc");
  b.consume(3);
  b.shrink_if_idle();
  EXPECT_EQ(b.capacity(), 0u);  // released; next writable() allocates the initial size
  b.writable();
  EXPECT_EQ(b.capacity(), 16u);
}

}  // namespace
}  // namespace gh
