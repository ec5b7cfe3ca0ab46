#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace gh::credentials {

// DDL such as CREATE ROLE takes no bind parameters, so names and literals are quoted here.
// The admin connection runs with client_encoding UTF8 and standard_conforming_strings on;
// the server rejects invalid UTF-8, so no multibyte sequence can hide a quote.

// Always double-quoted ("" doubled), so the name is used exactly as given, case included.
// Refuses empty names, NUL bytes and names over 63 bytes (the server would truncate them
// into a different name).
Result<std::string> quote_identifier(std::string_view name);

// '...' with ' doubled; a value holding a backslash becomes E'...' with \ doubled too, so it
// reads the same whatever standard_conforming_strings says. Refuses NUL bytes.
Result<std::string> quote_literal(std::string_view value);

}  // namespace gh::credentials
