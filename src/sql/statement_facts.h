#pragma once

// What the gateway knows about one SQL statement once libpg_query has parsed it. The policy
// judges these facts, never the SQL text: every fact here comes from the parse tree, so
// comments, case, quoting, Unicode escapes and dollar quoting cannot disguise a statement.
//
// Names (relations, functions, objects) are as PostgreSQL's parser produced them: lowercased
// unless they were double-quoted, schema-qualified only when written so. Resolving an
// unqualified name against search_path is the policy's business, not this module's.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::sql {

enum class StatementKind : uint8_t {
  kSelect,
  kInsert,
  kUpdate,
  kDelete,
  kMerge,
  kDdl,  // CREATE/ALTER/DROP/COMMENT ON of schema objects; also SELECT INTO (see below)
  kCopy,
  kTransaction,  // BEGIN, COMMIT, ROLLBACK, SAVEPOINT, PREPARE TRANSACTION, ...
  kSet,          // SET, RESET, SET CONSTRAINTS
  kShow,
  kExplain,
  kPrepare,  // SQL-level PREPARE name AS ...
  kExecute,  // SQL-level EXECUTE name
  kDeallocate,
  kDoBlock,
  kCreateFunction,  // CREATE [OR REPLACE] FUNCTION / PROCEDURE
  kCall,
  kListen,
  kNotify,
  kUnlisten,
  kPrivilege,       // GRANT / REVOKE (objects or role membership), ALTER DEFAULT PRIVILEGES
  kRoleManagement,  // CREATE/ALTER/DROP ROLE|USER|GROUP, DROP OWNED, REASSIGN OWNED
  kAlterSystem,
  kTruncate,
  kMaintenance,  // VACUUM, ANALYZE, CLUSTER, REINDEX, CHECKPOINT, REFRESH MATERIALIZED VIEW
  kLock,
  kDiscard,
  kCursor,  // DECLARE, FETCH, MOVE, CLOSE
  kLoad,    // LOAD 'library'
  kOther,
  kUnparseable,
};

// How a DDL, privilege or role statement changes its objects.
enum class DdlVerb : uint8_t { kNone, kCreate, kAlter, kDrop, kComment, kGrant, kRevoke };

enum class ObjectType : uint8_t {
  kNone,
  kTable,
  kView,
  kMaterializedView,
  kIndex,
  kSequence,
  kForeignTable,
  kColumn,
  kConstraint,
  kSchema,
  kDatabase,
  kTablespace,
  kFunction,
  kProcedure,
  kRoutine,
  kAggregate,
  kTrigger,
  kEventTrigger,
  kRule,
  kPolicy,
  kType,
  kDomain,
  kExtension,
  kLanguage,
  kRole,
  kForeignDataWrapper,
  kForeignServer,
  kUserMapping,
  kPublication,
  kSubscription,
  kStatistics,
  kCollation,
  kConversion,
  kOperator,
  kOperatorClass,
  kOperatorFamily,
  kCast,
  kTextSearch,
  kAccessMethod,
  kTransform,
  kLargeObject,
  kOther,
};

enum class TransactionVerb : uint8_t {
  kNone,
  kBegin,  // BEGIN and START TRANSACTION
  kCommit,
  kRollback,
  kSavepoint,
  kRelease,
  kRollbackTo,
  kPrepareTransaction,
  kCommitPrepared,
  kRollbackPrepared,
};

enum class SettingAction : uint8_t {
  kNone,
  kSet,
  kSetDefault,
  kSetCurrent,
  kReset,
  kResetAll,
  kShow
};

// The settings a policy cares about by name; everything else is kOther with `name` set.
enum class SettingTarget : uint8_t {
  kOther,
  kRole,
  kSessionAuthorization,
  kSearchPath,
  kTransaction
};

enum class CopyDirection : uint8_t { kNone, kTo, kFrom };
enum class CopyEndpoint : uint8_t { kNone, kStdio, kFile, kProgram };

// Why a nested statement exists inside its parent (see StatementFacts::nested).
enum class NestedOrigin : uint8_t {
  kTopLevel,
  kCte,            // WITH d AS (DELETE ...) SELECT ...
  kExplained,      // EXPLAIN [ANALYZE] <statement>
  kPrepared,       // PREPARE name AS <statement>
  kCopyQuery,      // COPY (DELETE ... RETURNING ...) TO ...
  kQuery,          // CREATE TABLE AS EXECUTE name, and any other embedded statement
  kRuleAction,     // CREATE RULE ... DO <statements>
  kRoutineBody,    // CREATE FUNCTION ... BEGIN ATOMIC <statements> END
  kSchemaElement,  // CREATE SCHEMA s CREATE TABLE ...
};

enum class UnparseableReason : uint8_t {
  kNone,
  kSyntax,    // the parser refused it; `message` and `cursor_position` are the parser's
  kTooLong,   // longer than AnalyzerOptions::max_sql_bytes; not parsed
  kTooDeep,   // nested deeper than AnalyzerOptions::max_nesting; not parsed
  kNulByte,   // contains a NUL byte (a Query or Parse message cannot, so this is not SQL)
  kInternal,  // the parse tree could not be read (e.g. invalid UTF-8 in identifiers)
};

// A name as written: [catalog.][schema.]name. Empty parts were not written.
struct QualifiedName {
  std::string catalog;
  std::string schema;
  std::string name;

  bool operator==(const QualifiedName&) const = default;
  // "name", "schema.name" or "catalog.schema.name" (no quoting).
  std::string text() const;
};

struct FilterFacts {
  bool has_where = false;  // for MERGE: the ON condition counts as the filter
  // The condition is true for every row whatever the data: `true`, `1=1`, `'a'='a'`,
  // `NOT false`, `1=1 OR x`, `TRUE AND TRUE`, `'t'::bool`, `NULL IS NULL`, `EXISTS
  // (SELECT 1)`, `1 IN (1, 2)`, `1 BETWEEN 0 AND 2`. Also counted as trivially true: `x = x`,
  // `x >= x`, `x <= x` and `x LIKE '%'` on the same column, which hold for every non-null row.
  bool where_trivially_true = false;
};

struct DdlFacts {
  DdlVerb verb = DdlVerb::kNone;
  ObjectType object = ObjectType::kNone;
  // The objects created, altered, dropped, granted on, or the roles managed.
  std::vector<QualifiedName> objects;
  // GRANT/REVOKE: the grantees ("public", "current_user", ... for the special role specs).
  std::vector<std::string> grantees;
  bool temporary = false;   // CREATE TEMP TABLE / SEQUENCE / VIEW
  bool or_replace = false;  // CREATE OR REPLACE
  bool cascade = false;     // DROP ... CASCADE, REVOKE ... CASCADE, TRUNCATE ... CASCADE
};

enum class CopyFormatKind : uint8_t { kText, kCsv, kBinary };

struct CopyFacts {
  CopyDirection direction = CopyDirection::kNone;
  CopyEndpoint endpoint = CopyEndpoint::kNone;
  std::string target;      // file path (kFile) or shell command (kProgram)
  bool has_query = false;  // COPY (query) TO ...
  // The data format options, as the server reads them (defaults: text, tab, \N).
  CopyFormatKind format = CopyFormatKind::kText;
  std::string delimiter;    // DELIMITER; empty = the format's default
  std::string null_string;  // NULL; only when has_null_string
  bool has_null_string = false;
  std::string quote;   // CSV QUOTE; empty = '"'
  std::string escape;  // CSV ESCAPE; empty = the quote
  bool header = false;
  // An option this walk does not know (FORCE_QUOTE, ENCODING, ...): the data's shape may
  // differ from what the options above say.
  bool unknown_options = false;
};

// DO blocks and CREATE FUNCTION / PROCEDURE.
struct RoutineFacts {
  std::string language;  // lowercase; DO without LANGUAGE is "plpgsql"
  bool is_procedure = false;
  bool security_definer = false;
};

// SET / RESET / SHOW, and the SET part of ALTER SYSTEM, ALTER ROLE ... SET, ALTER DATABASE ... SET.
struct SettingFacts {
  SettingAction action = SettingAction::kNone;
  SettingTarget target = SettingTarget::kOther;
  std::string name;   // as the parser names it: "role", "session_authorization", "search_path"
  std::string value;  // the values as text, comma-separated ("a, b" for search_path)
  bool is_local = false;
};

struct UnparseableFacts {
  UnparseableReason reason = UnparseableReason::kNone;
  std::string message;
  int cursor_position = 0;  // 1-based character position the parser reports; 0 if none
};

// Where an output value comes from: a column of a relation, or a whole row of it.
struct ColumnSource {
  // As written, or as resolved in scope: a table alias resolves to its table, a CTE or
  // subquery to the relations it reads. Schema-qualified only if written so.
  QualifiedName relation;
  std::string column;  // "" = the whole row (`c`, `c.*`, `row_to_json(c)`, `c::text`)

  bool operator==(const ColumnSource&) const = default;
};

// One column of the rows a statement hands to the client, in order (see output_columns).
struct OutputColumn {
  std::string name;  // the name the client sees (alias or column); informational
  // The value IS one source column's value: a column reference, possibly through aliases,
  // subqueries, CTEs, JOIN USING or set operations whose every arm is direct. With several
  // sources they are candidates (an unqualified name with several relations in scope): the
  // catalog tells which one has the column. Masking may apply the rule's own style.
  bool direct = false;
  // An unexpanded `*` / `t.*`: all columns of the one relation in `sources` (column ""), in
  // catalog order, except those in `star_except` (JOIN USING lists them once, earlier). The
  // masking layer expands it with the catalog.
  bool star = false;
  // The lineage is unknown beyond `sources` (a function's composite result expanded with
  // `(f(x)).*`, a construct the analyzer does not follow): mask whole.
  bool opaque = false;
  // Every column or whole row the value is computed from: expressions of any kind (operators,
  // casts, function calls, aggregates, CASE, constructors, JSON functions, scalar / EXISTS / IN
  // subqueries) take the union of all the columns and whole rows they read.
  std::vector<ColumnSource> sources;
  std::vector<std::string> star_except;
  // Functions the value passes through, as written (a user-defined one can return data that
  // lineage cannot see, e.g. a SQL function reading another table).
  std::vector<QualifiedName> functions;
};

struct StatementFacts {
  StatementKind kind = StatementKind::kOther;
  NestedOrigin origin = NestedOrigin::kTopLevel;
  // Whether this statement runs when its parent runs: true for DML in a CTE and under EXPLAIN
  // ANALYZE, false under plain EXPLAIN, PREPARE, CREATE RULE and routine bodies. A running
  // nested statement's relations and functions are also merged into its parent's lists.
  bool executes = true;

  // Byte range of a top-level statement in the analyzed text. Length 0: the whole text (facts
  // shared by texts that differ only in their literals; see literal_shape.h).
  uint32_t text_offset = 0;
  uint32_t text_length = 0;
  // A fact here was derived from a literal's value (a constant WHERE, a LIMIT constant): these
  // facts are true of this exact text only.
  bool depends_on_literals = false;

  // Relations read: FROM, JOIN, subqueries, CTE bodies, USING, MERGE source, COPY TO, LIKE,
  // foreign-key targets, view definitions, LOCK targets, and a DML target whose rows RETURNING
  // hands back.
  // CTE names referenced in scope are not relations.
  std::vector<QualifiedName> relations_read;
  // Relations written: targets of INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM, SELECT INTO and
  // CREATE TABLE AS, maintenance targets, and the relations a kDdl statement creates, alters or
  // drops (tables, views, indexes' tables, sequences).
  std::vector<QualifiedName> relations_written;
  // Every function called anywhere in the tree (FuncCall nodes, CALL), as written.
  std::vector<QualifiedName> functions;

  FilterFacts filter;            // SELECT, UPDATE, DELETE, MERGE
  bool select_star = false;      // the top-level select list has `*` or `t.*`
  bool has_limit = false;        // a LIMIT / FETCH FIRST that is not LIMIT ALL / LIMIT NULL
  std::optional<int64_t> limit;  // its value when it is an integer constant
  bool select_into = false;      // SELECT ... INTO t (kind kDdl: it creates table t)
  bool create_table_as = false;  // CREATE TABLE / MATERIALIZED VIEW ... AS
  bool explain_analyze = false;
  uint8_t lock_mode = 0;  // LOCK: PostgreSQL's lock mode number, 8 = ACCESS EXCLUSIVE
  TransactionVerb transaction = TransactionVerb::kNone;
  // The name the statement acts on: the prepared statement (PREPARE/EXECUTE/DEALLOCATE), cursor
  // (DECLARE/FETCH/CLOSE), channel (LISTEN/NOTIFY/UNLISTEN), savepoint, or two-phase gid.
  std::string name;
  std::string payload;  // NOTIFY payload
  bool all = false;     // DEALLOCATE ALL, CLOSE ALL, UNLISTEN *, DISCARD ALL

  DdlFacts ddl;  // kDdl, kCreateFunction, kPrivilege, kRoleManagement (kTruncate: cascade)
  CopyFacts copy;
  RoutineFacts routine;
  SettingFacts setting;
  UnparseableFacts error;  // kUnparseable
  std::string other_node;  // kOther: the parse node type, e.g. "CreateConversionStmt"

  // Lineage of the result rows, for statements whose rows reach the client: SELECT / VALUES /
  // set operations, DML ... RETURNING, COPY ... TO, DECLARE ... CURSOR FOR (rows come through
  // FETCH), CALL (OUT parameters), and the statement of SQL-level PREPARE (for EXECUTE). Not
  // for EXPLAIN, SELECT INTO, nested statements in CTEs (their RETURNING feeds the outer
  // query's lineage instead).
  bool has_lineage = false;
  // False when anything was not understood or a bound was hit (NATURAL join under `*`, a `*`
  // of unknown width, set operations over `*`, ...): treat every output column as possibly
  // derived from every relation read (fail closed).
  bool lineage_complete = true;
  std::vector<OutputColumn> output_columns;

  // Statements embedded in this one: DML in CTEs, the explained statement, the prepared
  // statement, COPY's DML query, rule actions, BEGIN ATOMIC bodies, CREATE SCHEMA elements.
  std::vector<StatementFacts> nested;
};

// Everything about one Query/Parse text: one entry per statement, in order. Empty for an empty
// query (only whitespace, comments or semicolons). An unparseable text is one kUnparseable entry.
struct AnalyzedSql {
  std::vector<StatementFacts> statements;

  bool parsed() const {
    return statements.empty() || statements.front().kind != StatementKind::kUnparseable;
  }
};

// Calls fn(facts) for `facts` and every nested statement, depth first, parents first.
template <typename Fn>
void for_each_statement(const StatementFacts& facts, Fn&& fn) {
  fn(facts);
  for (const auto& n : facts.nested) for_each_statement(n, fn);
}

// Stable lowercase names for logs, audit records and policy files ("select", "create", ...).
std::string_view to_string(StatementKind k);
std::string_view to_string(DdlVerb v);
std::string_view to_string(ObjectType t);
std::string_view to_string(TransactionVerb v);
std::string_view to_string(SettingAction a);
std::string_view to_string(SettingTarget t);
std::string_view to_string(CopyDirection d);
std::string_view to_string(CopyEndpoint e);
std::string_view to_string(NestedOrigin o);
std::string_view to_string(UnparseableReason r);

// Approximate heap + inline bytes, for the cache's memory bound.
size_t approximate_size(const StatementFacts& facts);

}  // namespace gh::sql
