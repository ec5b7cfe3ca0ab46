#pragma once

// Reading back the flat payloads of the log's own control records (checkpoint,
// segment.close, prune, recovery) in verify, on bytes an attacker may have written: strict
// RFC 8259, bounded, no exceptions. Payloads are written with gh::JsonWriter
// (common/json_writer.h); readers of session payloads use a full JSON library.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh::audit::json {

// A parsed flat object: member values are strings (decoded) or numbers/true/false/null
// (their text). Nested objects and arrays are rejected.
class FlatObject {
 public:
  std::optional<std::string_view> get_string(std::string_view key) const;
  std::optional<uint64_t> get_u64(std::string_view key) const;
  std::optional<int64_t> get_i64(std::string_view key) const;
  size_t size() const { return members_.size(); }

 private:
  friend std::optional<FlatObject> parse_flat_object(std::string_view text);
  struct Member {
    std::string key;
    std::string value;
    bool is_string = false;
  };
  const Member* find(std::string_view key) const;
  std::vector<Member> members_;
};

// nullopt on anything but one flat JSON object (surrounding whitespace allowed),
// a duplicate key, or more than 64 members.
std::optional<FlatObject> parse_flat_object(std::string_view text);

}  // namespace gh::audit::json
