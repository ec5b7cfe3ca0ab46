#include "common/json_writer.h"

#include <gtest/gtest.h>

namespace gh {
namespace {

TEST(JsonWriter, ObjectsArraysAndEscapes) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("s", "a\"b\\c\n\x01")
      .field("n", int64_t{-5})
      .field("b", true)
      .key("arr")
      .begin_array()
      .value("x")
      .null()
      .value(uint64_t{7})
      .begin_object()
      .end_object()
      .end_array()
      .key("o")
      .begin_object()
      .field("k", "v")
      .end_object()
      .end_object();
  EXPECT_EQ(out, R"({"s":"a\"b\\c\n\u0001","n":-5,"b":true,"arr":["x",null,7,{}],"o":{"k":"v"}})");
}

TEST(JsonWriter, InvalidUtf8IsReplaced) {
  std::string out;
  JsonWriter::escape(out, std::string("ok \xc3\xa9 \xff \xe2\x82", 10));
  EXPECT_EQ(out, "\"ok \xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\"");
}

// Every byte that needs escaping, at every offset of a text longer than the 8-byte scan: the
// same output as escaping one byte at a time.
TEST(JsonWriter, EscapesAtEveryOffset) {
  const std::string specials[] = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xff",
                                  std::string(1, '\0')};
  for (const std::string& special : specials) {
    for (size_t at = 0; at < 20; ++at) {
      std::string text(20, 'a');
      text.replace(at, 1, special);
      std::string fast;
      JsonWriter::escape(fast, text);
      std::string slow = "\"";
      for (size_t i = 0; i < text.size();) {
        // The bytes before and after the special one are plain; escape it alone.
        if (text.compare(i, special.size(), special) == 0 && i == at) {
          std::string one;
          JsonWriter::escape(one, special);
          slow += one.substr(1, one.size() - 2);
          i += special.size();
        } else {
          slow.push_back(text[i++]);
        }
      }
      slow += "\"";
      EXPECT_EQ(fast, slow) << "special byte(s) at " << at;
    }
  }
  std::string out;
  JsonWriter::escape(out, std::string("x\x7f\x80", 3));
  EXPECT_EQ(out, "\"x\x7f\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace gh
