#pragma once

// Renders statement facts and decisions: for people (`gatehouse policy explain`, logs) and as
// JSON (`--json`, audit payloads). Not on the hot path.

#include <string>
#include <string_view>
#include <vector>

#include "policy/decision.h"
#include "policy/subject.h"
#include "sql/statement_facts.h"

namespace gh::policy {

// One line per statement, nested statements indented below their parent:
//   delete  writes=t  where=absent
//     [cte] delete  writes=t  where=absent
std::string facts_text(const sql::StatementFacts& facts, int indent = 0);

// The whole explanation: each statement with its text and facts, the rules that matched,
// the decision.
std::string explain_text(std::string_view sql, const std::vector<sql::StatementFacts>& message,
                         const Decision& decision, const Subject& subject);

// {"subject":...,"statements":[{"text":...,"facts":{...}}],"matched":[...],"decision":...}
std::string explain_json(std::string_view sql, const std::vector<sql::StatementFacts>& message,
                         const Decision& decision, const Subject& subject);

}  // namespace gh::policy
