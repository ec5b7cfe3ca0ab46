// The agent-safe pack: guardrails for AI agents, scheduled jobs and other automated
// identities. docs/guardrails.md shows the same text (a test keeps them equal).

#include "policy/agent_safe_pack.h"

namespace gh::policy {

namespace {

constexpr std::string_view kAgentSafeYaml =
    R"yaml(# agent-safe: guardrails for AI agents and other automated identities.
# Blocks what destroys data, escapes the database or changes who the session is;
# sends schema changes and bulk reads to review. Parameter: bulk_read_rows (100000).
rules:
  - name: agent-safe/unparseable
    match: { statement: unparseable }
    action: block
    message: "gatehouse cannot parse this statement, and statements it cannot check are not allowed (fail closed)"

  - name: agent-safe/drop-database-schema-table
    match: { verb: drop, object: [database, schema, table] }
    action: block
    message: "DROP DATABASE, DROP SCHEMA and DROP TABLE are not allowed for agents"

  - name: agent-safe/truncate
    match: { statement: truncate }
    action: block
    message: "TRUNCATE is not allowed for agents"

  # Every statement is judged, nested ones too: WITH d AS (DELETE ...), EXPLAIN ANALYZE
  # DELETE, PREPARE p AS DELETE, COPY (DELETE ... RETURNING) TO. MERGE's filter is its ON.
  - name: agent-safe/write-without-where
    match: { statement: [update, delete, merge], where: unfiltered }
    action: block
    message: "UPDATE/DELETE without a WHERE clause (or with one that is always true) is not allowed for agents"

  - name: agent-safe/alter-system
    match: { statement: alter_system }
    action: block
    message: "ALTER SYSTEM is not allowed for agents"

  - name: agent-safe/roles-and-privileges
    match: { statement: [role_management, privilege] }
    action: block
    message: "role and privilege management (CREATE/ALTER/DROP ROLE, GRANT, REVOKE, ...) is not allowed for agents"

  - name: agent-safe/set-role
    match: { statement: set, setting: [role, session_authorization, session_replication_role] }
    action: block
    message: "SET ROLE and SET SESSION AUTHORIZATION are not allowed for agents"

  - name: agent-safe/copy-file-or-program
    match: { statement: copy, copy_endpoint: [file, program] }
    action: block
    message: "COPY to or from a server file or a program is not allowed for agents"

  # With masking: data read out of masked columns must not be copied where gatehouse no longer
  # masks it (CREATE TABLE AS, SELECT INTO, INSERT/UPDATE/MERGE reading them, COPY TO a file).
  - name: agent-safe/masked-data-copy
    match: { copies_masked_data: true }
    action: block
    message: "this statement would copy data out of masked columns into a table or file, where it would no longer be masked"

  # Names match with or without a schema (pg_catalog.pg_read_file), in any case.
  - name: agent-safe/server-functions
    match:
      functions:
        # server files (core and adminpack)
        - pg_read_file
        - pg_read_binary_file
        - pg_stat_file
        - pg_ls_*
        - pg_file_*
        - pg_logdir_ls
        # large objects: lo_import/lo_export read and write server files
        - lo_*
        - loread
        - lowrite
        # other servers and the network
        - dblink*
        - http
        - http_*
        - aws_s3.*
        - aws_lambda.*
        # functions that run SQL given as text, out of the parser's sight
        - query_to_xml*
        - cursor_to_xml*
        - table_to_xml*
        - schema_to_xml*
        - database_to_xml*
        - ts_stat
        - ts_rewrite
        - pg_background_*
        - cron.*
        # other sessions and the server process
        - pg_terminate_backend
        - pg_cancel_backend
        - pg_signal_backend
        - pg_log_backend_memory_contexts
        - pg_promote
        # configuration
        - set_config
        - pg_reload_conf
        - pg_rotate_logfile*
        # replication, WAL and backups
        - pg_create_*_replication_slot
        - pg_drop_replication_slot
        - pg_copy_*_replication_slot
        - pg_replication_slot_advance
        - pg_replication_origin_*
        - pg_logical_*
        - pg_switch_wal
        - pg_wal_replay_*
        - pg_backup_*
        - pg_start_backup
        - pg_stop_backup
        - pg_create_restore_point
        # statistics resets and upgrade internals
        - pg_stat_reset*
        - pg_stat_statements_reset
        - pg_import_system_collations
        - binary_upgrade_*
    action: block
    message: "this function reaches server files, other servers, other sessions or the server's configuration, and is not allowed for agents"

  - name: agent-safe/server-secrets
    match:
      relations: [pg_authid, pg_shadow, pg_user_mapping, pg_user_mappings, pg_file_settings,
                  pg_hba_file_rules, pg_ident_file_mappings]
    action: block
    message: "password hashes, user mappings and server configuration files are not readable by agents"

  - name: agent-safe/catalog-writes
    match: { relations_written: ["pg_*", "information_schema.*"] }
    action: block
    message: "writing to system catalogs (pg_settings, ...) is not allowed for agents"

  - name: agent-safe/code-execution
    match: { statement: [do, create_function, load] }
    action: block
    message: "DO blocks, CREATE FUNCTION/PROCEDURE and LOAD are not allowed for agents"

  # The session records every PREPARE; an EXECUTE of anything else is not judged blind.
  - name: agent-safe/execute-unknown
    match: { statement: execute, unknown_prepared: true }
    action: block
    message: "EXECUTE of a prepared statement gatehouse did not see prepared is not allowed"

  - name: agent-safe/schema-changes
    match: { statement: [ddl, other] }
    action: review
    message: "schema changes by agents require approval"

  # Bulk reads: only statements that run (a plain EXPLAIN or a PREPARE is judged at EXECUTE),
  # and only of tables that are not system catalogs (drivers read those whole).
  - name: agent-safe/bulk-read-select-star
    match: { statement: select, select_star: true, where: unfiltered, limit: absent,
             reads_other_than: ["pg_*", "information_schema.*"], executes: true }
    action: review
    message: "SELECT * without WHERE and LIMIT reads a whole table; it requires approval"

  - name: agent-safe/bulk-read-estimate
    match: { statement: select, executes: true, estimated_rows: "> $bulk_read_rows" }
    action: review
    message: "the planner estimates a large result; it requires approval"

  - name: agent-safe/bulk-copy-out
    match: { statement: copy, copy_direction: to, copy_endpoint: stdio }
    action: review
    message: "COPY ... TO STDOUT exports data in bulk; it requires approval"
)yaml";

const RulePack kPacks[] = {
    {"agent-safe",
     kAgentSafeYaml,
     {{"bulk_read_rows", 100000.0}},
     "blocks destructive, escaping and identity-changing statements; reviews DDL and bulk reads"},
};

}  // namespace

const RulePack* find_rule_pack(std::string_view name) {
  for (const RulePack& p : kPacks)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string_view> rule_pack_names() {
  std::vector<std::string_view> out;
  for (const RulePack& p : kPacks) out.push_back(p.name);
  return out;
}

}  // namespace gh::policy
