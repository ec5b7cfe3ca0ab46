#include "credentials/sql_quote.h"

#include "credentials/role_name.h"

namespace gh::credentials {

Result<std::string> quote_identifier(std::string_view name) {
  if (name.empty()) return Status::Invalid("empty role name");
  if (name.find('\0') != std::string_view::npos) {
    return Status::Invalid("role name contains a NUL byte");
  }
  if (name.size() > kMaxIdentifierBytes) {
    return Status::Invalid("role name is longer than " + std::to_string(kMaxIdentifierBytes) +
                           " bytes");
  }
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

Result<std::string> quote_literal(std::string_view value) {
  if (value.find('\0') != std::string_view::npos) {
    return Status::Invalid("SQL literal contains a NUL byte");
  }
  bool has_backslash = value.find('\\') != std::string_view::npos;
  std::string out;
  out.reserve(value.size() + 3);
  if (has_backslash) out.push_back('E');
  out.push_back('\'');
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back(c);
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

}  // namespace gh::credentials
