#include "credentials/role_statements.h"

#include "credentials/sql_quote.h"

namespace gh::credentials {

Result<std::string> create_role_sql(std::string_view role, std::string_view scram_verifier,
                                    std::string_view valid_until, std::string_view mapped_role) {
  auto r = quote_identifier(role);
  if (!r.ok()) return r.status();
  auto m = quote_identifier(mapped_role);
  if (!m.ok()) return Status::Invalid("mapped role: " + m.status().message());
  auto pw = quote_literal(scram_verifier);
  if (!pw.ok()) return pw.status();
  auto until = quote_literal(valid_until);
  if (!until.ok()) return until.status();
  return "CREATE ROLE " + *r + " LOGIN PASSWORD " + *pw + " VALID UNTIL " + *until + " IN ROLE " +
         *m;
}

Result<std::string> grant_role_to_admin_sql(std::string_view role) {
  auto r = quote_identifier(role);
  if (!r.ok()) return r.status();
  return "GRANT " + *r + " TO CURRENT_USER";
}

Result<std::string> end_role_sql(std::string_view role, std::string_view mapped_role) {
  auto r = quote_identifier(role);
  if (!r.ok()) return r.status();
  std::string target = "CURRENT_USER";
  if (!mapped_role.empty()) {
    auto m = quote_identifier(mapped_role);
    if (!m.ok()) return Status::Invalid("mapped role: " + m.status().message());
    target = std::move(*m);
  }
  return "REASSIGN OWNED BY " + *r + " TO " + target + "; DROP OWNED BY " + *r + "; DROP ROLE " +
         *r;
}

}  // namespace gh::credentials
