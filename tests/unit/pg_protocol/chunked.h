#pragma once

// Test driver for the frame splitters: feeds a byte fixture through an accumulating
// buffer in chunks, the way the I/O layer does, and records what came out. Every
// fixture is re-fed at kChunkSizes and must give the same outcome each time.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "pg/protocol/frame.h"

namespace gh::pg::testing {

// 0 means "the whole fixture in one piece".
inline constexpr size_t kChunkSizes[] = {0, 1000, 100, 10, 5, 2, 1};

struct SplitFrame {
  char type = 0;
  std::string body;
  std::string raw;
  bool operator==(const SplitFrame&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const SplitFrame& f) {
  return os << "{type=" << static_cast<int>(f.type) << " body=" << f.body.size()
            << "B raw=" << f.raw.size() << "B}";
}

struct SplitOutcome {
  std::vector<SplitFrame> frames;
  bool error = false;
  std::string error_text;
  size_t leftover = 0;  // bytes buffered but not yet a whole message at the end
  bool operator==(const SplitOutcome&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const SplitOutcome& o) {
  os << "{frames=[";
  for (const SplitFrame& f : o.frames) os << f << ",";
  return os << "] error=" << o.error << " '" << o.error_text << "' leftover=" << o.leftover << "}";
}

// The first `startup_frames` messages are untyped (next_startup_frame), the rest typed.
inline SplitOutcome split_chunked(std::string_view input, size_t chunk, uint32_t max_size,
                                  size_t startup_frames = 0) {
  if (chunk == 0) chunk = input.size() == 0 ? 1 : input.size();
  SplitOutcome out;
  std::string buffer;
  size_t pos = 0;     // start of unconsumed bytes in `buffer`
  size_t wanted = 0;  // last announced size of the pending message
  for (size_t off = 0; off < input.size() && !out.error; off += chunk) {
    buffer.append(input.substr(off, chunk));
    while (true) {
      std::string_view view(buffer);
      view.remove_prefix(pos);
      bool startup = out.frames.size() < startup_frames;
      FrameResult r = startup ? next_startup_frame(view) : next_frame(view, max_size);
      if (r.status == FrameStatus::kError) {
        EXPECT_NE(r.error, nullptr);
        out.error = true;
        out.error_text = r.error != nullptr ? r.error : "";
        break;
      }
      if (r.status == FrameStatus::kNeedMoreData) {
        EXPECT_EQ(r.consumed, 0u);
        if (r.wanted != 0) {
          EXPECT_GT(r.wanted, view.size()) << "announced size must exceed what is buffered";
          if (wanted != 0) {
            EXPECT_EQ(r.wanted, wanted) << "announced size changed";
          }
          wanted = r.wanted;
        }
        break;
      }
      // kFrame: the views lie inside the buffer and add up.
      EXPECT_EQ(r.frame.raw.data(), view.data());
      EXPECT_EQ(r.frame.raw.size(), r.consumed);
      EXPECT_EQ(r.frame.body.data() + r.frame.body.size(), view.data() + r.consumed);
      if (wanted != 0) {
        EXPECT_EQ(r.consumed, wanted);
      }
      wanted = 0;
      out.frames.push_back({r.frame.type, std::string(r.frame.body), std::string(r.frame.raw)});
      pos += r.consumed;
      // Compact like a real receive buffer would.
      if (pos > 64) {
        buffer.erase(0, pos);
        pos = 0;
      }
    }
  }
  out.leftover = out.error ? 0 : buffer.size() - pos;
  return out;
}

// Splits `input` at every chunk size, checks all outcomes agree, and returns it.
inline SplitOutcome split_all_chunkings(std::string_view input, uint32_t max_size,
                                        size_t startup_frames = 0) {
  SplitOutcome whole = split_chunked(input, 0, max_size, startup_frames);
  for (size_t chunk : kChunkSizes) {
    SCOPED_TRACE(::testing::Message() << "chunk size " << chunk);
    EXPECT_EQ(split_chunked(input, chunk, max_size, startup_frames), whole);
  }
  return whole;
}

}  // namespace gh::pg::testing
