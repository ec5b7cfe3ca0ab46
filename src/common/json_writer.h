#pragma once

// A small append-only JSON writer for the record paths (audit payloads, logs): no
// tree, no allocation beyond the output string. Strings are escaped per RFC 8259;
// invalid UTF-8 bytes are replaced by U+FFFD so every record is valid JSON.

#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  JsonWriter& key(std::string_view k) {
    comma();
    append_string(k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonWriter& value(std::string_view s) {
    comma();
    append_string(s);
    return *this;
  }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b) {
    comma();
    out_ += b ? "true" : "false";
    return *this;
  }
  JsonWriter& value(int64_t v) {
    comma();
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& value(uint64_t v) {
    comma();
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(uint32_t v) { return value(static_cast<uint64_t>(v)); }
  JsonWriter& null() {
    comma();
    out_ += "null";
    return *this;
  }
  // Appends an already-serialized JSON value.
  JsonWriter& raw(std::string_view json) {
    comma();
    out_ += json;
    return *this;
  }

  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  // Escapes `s` as a JSON string (with quotes) onto `out`.
  static void escape(std::string& out, std::string_view s);

 private:
  JsonWriter& open(char c) {
    comma();
    out_.push_back(c);
    first_ = true;
    return *this;
  }
  JsonWriter& close(char c) {
    out_.push_back(c);
    first_ = false;
    after_key_ = false;
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      first_ = false;
      return;
    }
    if (!first_ && !out_.empty() && out_.back() != '{' && out_.back() != '[') out_.push_back(',');
    first_ = false;
  }
  void append_string(std::string_view s) { escape(out_, s); }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace gh
