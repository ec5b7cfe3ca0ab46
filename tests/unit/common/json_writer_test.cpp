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

}  // namespace
}  // namespace gh
