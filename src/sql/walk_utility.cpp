// Utility statements: COPY, EXPLAIN, PREPARE/EXECUTE/DEALLOCATE, DO, CALL, SET/SHOW,
// transactions, LISTEN/NOTIFY, TRUNCATE, LOCK, maintenance, DISCARD, cursors, LOAD, ALTER SYSTEM.

#include <string>

#include "sql/tree_walk.h"

namespace gh::sql {

using tree::array;
using tree::element;
using tree::object;

namespace {

std::string_view lowercase_into(std::string& out, std::string_view s) {
  out.assign(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A DefElem's argument read as a boolean the way defGetBoolean does; no argument means true.
// Anything unreadable also counts as true, so EXPLAIN (ANALYZE <odd>) is taken to execute.
bool def_elem_true(object def_elem) {
  element arg;
  if (!tree::member(def_elem, "arg", arg)) return true;
  std::string_view type;
  object body;
  if (!tree::as_node(arg, type, body)) return true;
  if (type == "Integer") return tree::int_member(body, "ival") != 0;
  if (type == "Boolean") return tree::bool_member(body, "boolval");
  if (type == "String") {
    std::string v;
    lowercase_into(v, tree::string_member(body, "sval"));
    return !(v == "false" || v == "off" || v == "0" || v == "no" || v == "f" || v == "n");
  }
  return true;
}

// Appends a SET argument's text to `out`.
void append_setting_value(element arg, std::string_view sql, std::string& out) {
  std::string_view type;
  object body;
  if (!tree::as_node(arg, type, body)) return;
  object inner;
  element v;
  if (type == "A_Const") {
    if (tree::object_member(body, "sval", inner)) {
      out.append(tree::string_member(inner, "sval"));
    } else if (int64_t i = 0; tree::const_int(body, sql, i)) {
      out.append(std::to_string(i));
    } else if (tree::object_member(body, "fval", inner)) {
      out.append(tree::string_member(inner, "fval"));
    } else if (tree::object_member(body, "boolval", inner)) {
      out.append(tree::bool_member(inner, "boolval") ? "true" : "false");
    }
  } else if (type == "DefElem") {  // SET TRANSACTION ISOLATION LEVEL ...
    out.append(tree::string_member(body, "defname"));
    if (tree::member(body, "arg", v)) {
      out.push_back('=');
      append_setting_value(v, sql, out);
    }
  } else if (type == "TypeCast") {  // SET TIME ZONE INTERVAL '...'
    if (tree::member(body, "arg", v)) append_setting_value(v, sql, out);
  }
}

SettingTarget setting_target(std::string_view name) {
  if (name == "role") return SettingTarget::kRole;
  if (name == "session_authorization") return SettingTarget::kSessionAuthorization;
  if (name == "search_path") return SettingTarget::kSearchPath;
  if (name == "TRANSACTION" || name == "SESSION CHARACTERISTICS" ||
      name.substr(0, 12) == "transaction_") {
    return SettingTarget::kTransaction;
  }
  return SettingTarget::kOther;
}

}  // namespace

void fill_setting(object set_stmt, std::string_view sql, SettingFacts& s) {
  std::string_view kind = tree::string_member(set_stmt, "kind");
  if (kind == "VAR_SET_VALUE" || kind == "VAR_SET_MULTI") {
    s.action = SettingAction::kSet;
  } else if (kind == "VAR_SET_DEFAULT") {
    s.action = SettingAction::kSetDefault;
  } else if (kind == "VAR_SET_CURRENT") {
    s.action = SettingAction::kSetCurrent;
  } else if (kind == "VAR_RESET") {
    s.action = SettingAction::kReset;
  } else if (kind == "VAR_RESET_ALL") {
    s.action = SettingAction::kResetAll;
  }
  s.name.assign(tree::string_member(set_stmt, "name"));
  s.target = setting_target(s.name);
  s.is_local = tree::bool_member(set_stmt, "is_local");
  array args;
  if (tree::array_member(set_stmt, "args", args)) {
    for (element arg : args) {
      if (!s.value.empty()) s.value.append(", ");
      append_setting_value(arg, sql, s.value);
    }
  }
}

void TreeWalk::on_copy(object body, const StatementRule&) {
  StatementFacts& f = facts();
  const bool from = tree::bool_member(body, "is_from");
  std::string_view file = tree::string_member(body, "filename");
  f.copy.direction = from ? CopyDirection::kFrom : CopyDirection::kTo;
  if (file.empty()) {
    f.copy.endpoint = CopyEndpoint::kStdio;
  } else {
    f.copy.endpoint =
        tree::bool_member(body, "is_program") ? CopyEndpoint::kProgram : CopyEndpoint::kFile;
    f.copy.target.assign(file);
  }
  object rel;
  if (tree::object_member(body, "relation", rel)) {
    range_var(rel, from ? Access::kWrite : Access::kRead);
  }
  element query;
  if (tree::member(body, "query", query)) {
    f.copy.has_query = true;
    // COPY (SELECT ...) reads; COPY (DELETE ... RETURNING ...) runs the DML.
    object select;
    if (tree::node_of_type(query, "SelectStmt", select)) {
      walk(query);
    } else {
      nested_statement(query, NestedOrigin::kCopyQuery, true);
    }
  }
  walk_member(body, "whereClause");
  copy_options(body, f.copy);
  if (!from && lineage_wanted()) {
    if (f.copy.has_query) {
      lineage_.query(query, facts());
    } else {
      lineage_.copy_relation(body, facts());
    }
  }
}

// COPY's WITH (...) options (and the old-style BINARY / CSV / DELIMITER / NULL / HEADER
// keywords, which the parser turns into the same DefElems).
void TreeWalk::copy_options(object body, CopyFacts& c) {
  array options;
  if (!tree::array_member(body, "options", options)) return;
  for (element opt : options) {
    object def;
    if (!tree::node_of_type(opt, "DefElem", def)) continue;
    std::string_view name = tree::string_member(def, "defname");
    std::string_view value;
    element arg;
    std::string_view type;
    object arg_body;
    if (tree::member(def, "arg", arg) && tree::as_node(arg, type, arg_body) && type == "String")
      value = tree::string_member(arg_body, "sval");
    if (name == "format") {
      std::string v;
      lowercase_into(v, value);
      if (v == "csv") {
        c.format = CopyFormatKind::kCsv;
      } else if (v == "binary") {
        c.format = CopyFormatKind::kBinary;
      } else if (v != "text") {
        c.unknown_options = true;
      }
    } else if (name == "delimiter") {
      c.delimiter.assign(value);
    } else if (name == "null") {
      c.null_string.assign(value);
      c.has_null_string = true;
    } else if (name == "quote") {
      c.quote.assign(value);
    } else if (name == "escape") {
      c.escape.assign(value);
    } else if (name == "header") {
      c.header = def_elem_true(def);
      if (type == "String") {
        std::string v;
        lowercase_into(v, value);
        if (v == "match") c.header = true;
      }
    } else if (name != "freeze" && name != "force_quote" && name != "force_not_null" &&
               name != "force_null") {
      // FREEZE and the FORCE_* options change no field boundaries; anything else (ENCODING
      // included) is unknown to this walk.
      c.unknown_options = true;
    }
  }
}

void TreeWalk::on_explain(object body, const StatementRule&) {
  StatementFacts& f = facts();
  array options;
  if (tree::array_member(body, "options", options)) {
    for (element opt : options) {
      object def;
      if (tree::node_of_type(opt, "DefElem", def) &&
          tree::string_member(def, "defname") == "analyze") {
        f.explain_analyze = def_elem_true(def);
      }
    }
  }
  // EXPLAIN ANALYZE runs its statement: its relations and functions count as this one's.
  element query;
  if (tree::member(body, "query", query)) {
    nested_statement(query, NestedOrigin::kExplained, f.explain_analyze);
  }
}

void TreeWalk::on_prepare(object body, const StatementRule&) {
  facts().name.assign(tree::string_member(body, "name"));
  // The prepared statement runs at EXECUTE, which is judged by these nested facts.
  element query;
  if (tree::member(body, "query", query)) nested_statement(query, NestedOrigin::kPrepared, false);
}

void TreeWalk::on_execute(object body, const StatementRule&) {
  facts().name.assign(tree::string_member(body, "name"));
  walk_member(body, "params");  // parameter expressions run now
}

void TreeWalk::on_deallocate(object body, const StatementRule&) {
  std::string_view name = tree::string_member(body, "name");
  facts().name.assign(name);
  facts().all = name.empty();
}

void TreeWalk::on_do(object body, const StatementRule&) {
  StatementFacts& f = facts();
  f.routine.language = "plpgsql";
  array args;
  if (!tree::array_member(body, "args", args)) return;
  for (element a : args) {
    object def;
    element arg;
    std::string_view lang;
    if (tree::node_of_type(a, "DefElem", def) &&
        tree::string_member(def, "defname") == "language" && tree::member(def, "arg", arg) &&
        tree::string_node(arg, lang)) {
      lowercase_into(f.routine.language, lang);
    }
  }
}

void TreeWalk::on_call(object body, const StatementRule&) {
  object call;
  if (!tree::object_member(body, "funccall", call)) return;
  func_call(call);
  if (lineage_wanted()) lineage_.call(call, facts());
}

void TreeWalk::on_variable_set(object body, const StatementRule&) {
  fill_setting(body, sql(), facts().setting);
}

void TreeWalk::on_variable_show(object body, const StatementRule&) {
  SettingFacts& s = facts().setting;
  s.action = SettingAction::kShow;
  s.name.assign(tree::string_member(body, "name"));
  s.target = setting_target(s.name);
}

void TreeWalk::on_transaction(object body, const StatementRule&) {
  StatementFacts& f = facts();
  std::string_view kind = tree::string_member(body, "kind");
  using T = TransactionVerb;
  if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") {
    f.transaction = T::kBegin;
  } else if (kind == "TRANS_STMT_COMMIT") {
    f.transaction = T::kCommit;
  } else if (kind == "TRANS_STMT_ROLLBACK") {
    f.transaction = T::kRollback;
  } else if (kind == "TRANS_STMT_SAVEPOINT") {
    f.transaction = T::kSavepoint;
  } else if (kind == "TRANS_STMT_RELEASE") {
    f.transaction = T::kRelease;
  } else if (kind == "TRANS_STMT_ROLLBACK_TO") {
    f.transaction = T::kRollbackTo;
  } else if (kind == "TRANS_STMT_PREPARE") {
    f.transaction = T::kPrepareTransaction;
  } else if (kind == "TRANS_STMT_COMMIT_PREPARED") {
    f.transaction = T::kCommitPrepared;
  } else if (kind == "TRANS_STMT_ROLLBACK_PREPARED") {
    f.transaction = T::kRollbackPrepared;
  }
  std::string_view name = tree::string_member(body, "savepoint_name");
  if (name.empty()) name = tree::string_member(body, "gid");
  f.name.assign(name);
}

void TreeWalk::on_channel(object body, const StatementRule&) {
  StatementFacts& f = facts();
  f.name.assign(tree::string_member(body, "conditionname"));
  f.payload.assign(tree::string_member(body, "payload"));
  f.all = f.kind == StatementKind::kUnlisten && f.name.empty();  // UNLISTEN *
}

void TreeWalk::on_truncate(object body, const StatementRule&) {
  facts().ddl.cascade = tree::string_member(body, "behavior") == "DROP_CASCADE";
  set_default_access(Access::kWrite);
  walk_member(body, "relations");
  set_default_access(Access::kRead);
}

void TreeWalk::on_lock(object body, const StatementRule&) {
  facts().lock_mode = static_cast<uint8_t>(tree::int_member(body, "mode"));
  walk_member(body, "relations");
}

// VACUUM, ANALYZE, CLUSTER, REINDEX, REFRESH MATERIALIZED VIEW rewrite or lock their targets.
void TreeWalk::on_maintenance(object body, const StatementRule&) {
  set_default_access(Access::kWrite);
  walk_fields(body);
  set_default_access(Access::kRead);
}

void TreeWalk::on_discard(object body, const StatementRule&) {
  std::string_view target = tree::string_member(body, "target");
  StatementFacts& f = facts();
  f.all = target == "DISCARD_ALL";
  if (target == "DISCARD_PLANS") f.name = "plans";
  if (target == "DISCARD_SEQUENCES") f.name = "sequences";
  if (target == "DISCARD_TEMP") f.name = "temp";
  if (f.all) f.name = "all";
}

void TreeWalk::on_cursor(object body, const StatementRule&) {
  StatementFacts& f = facts();
  f.name.assign(tree::string_member(body, "portalname"));
  element query;
  if (tree::member(body, "query", query)) {
    walk(query);  // DECLARE c CURSOR FOR SELECT ...: its reads happen through FETCH
    if (lineage_wanted()) lineage_.query(query, facts());  // the rows FETCH will return
  } else if (f.name.empty()) {
    f.all = true;  // CLOSE ALL
  }
}

void TreeWalk::on_load(object body, const StatementRule&) {
  facts().name.assign(tree::string_member(body, "filename"));
}

void TreeWalk::on_alter_system(object body, const StatementRule&) {
  object set;
  if (tree::object_member(body, "setstmt", set)) fill_setting(set, sql(), facts().setting);
}

}  // namespace gh::sql
