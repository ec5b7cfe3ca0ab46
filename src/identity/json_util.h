#pragma once

#include <simdjson.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

namespace gh::identity::json {

// Small lookups over simdjson's DOM with error codes only (no exceptions). Each answers
// nullopt when the member is absent; `present` tells absent from present-but-wrong-type.
inline bool present(simdjson::dom::object obj, std::string_view key) {
  simdjson::dom::element e;
  return obj.at_key(key).get(e) == simdjson::SUCCESS;
}

inline std::optional<std::string_view> string_member(simdjson::dom::object obj,
                                                     std::string_view key) {
  std::string_view s;
  if (obj.at_key(key).get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

// True if the object has two members with the same name. RFC 7515 lets a parser pick either;
// refusing them removes any disagreement between this parser and the issuer's.
inline bool has_duplicate_keys(simdjson::dom::object obj) {
  std::vector<std::string_view> keys;
  keys.reserve(obj.size());
  for (auto member : obj) keys.push_back(member.key);
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

}  // namespace gh::identity::json
