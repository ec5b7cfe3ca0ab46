#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace gh::credentials {

// The SQL the role manager sends. Values that can be bind parameters are ($1); DDL cannot
// take parameters, so its names and literals are quoted here.

// CREATE ROLE "<role>" LOGIN PASSWORD '<scram verifier>' VALID UNTIL '<ts>' IN ROLE "<mapped>"
Result<std::string> create_role_sql(std::string_view role, std::string_view scram_verifier,
                                    std::string_view valid_until, std::string_view mapped_role);

// GRANT "<role>" TO CURRENT_USER. A non-superuser admin with CREATEROLE may create and drop
// the role but needs its privileges to terminate its backends and to REASSIGN/DROP OWNED;
// this membership gives them and disappears with the role.
Result<std::string> grant_role_to_admin_sql(std::string_view role);

// One implicit transaction: REASSIGN OWNED BY "<role>" TO "<mapped>"; DROP OWNED BY "<role>";
// DROP ROLE "<role>". An empty `mapped_role` reassigns to CURRENT_USER (the sweeper, when
// the role's mapped role is unknown): objects are kept, never dropped with the role.
Result<std::string> end_role_sql(std::string_view role, std::string_view mapped_role);

// $1 = role name. One row (can we use the role's privileges already?) or none if it is gone.
inline constexpr const char* kRoleStateQuery =
    "SELECT pg_has_role(oid, 'USAGE') FROM pg_roles WHERE rolname = $1";
// $1 = role name. Signals its backends; they exit asynchronously.
inline constexpr const char* kTerminateBackendsQuery =
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE usename = $1 AND pid <> pg_backend_pid()";
// $1 = role name.
inline constexpr const char* kCountBackendsQuery =
    "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()";
// $1 = role name. The roles it is a member of (the mapped role, for gatehouse's roles).
inline constexpr const char* kMemberOfQuery =
    "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
    "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1";
// Every candidate for the sweeper; it decides in C++ (sweep_plan.h).
inline constexpr const char* kSweepCandidatesQuery =
    "SELECT rolname, rolvaliduntil FROM pg_roles WHERE rolname LIKE 'gh\\_%' ESCAPE '\\'";
// Run once per admin connection so quoting and timestamp parsing can rely on them, and so
// a stuck lock cannot hold the worker forever.
inline constexpr const char* kSessionSetupSql =
    "SET standard_conforming_strings = on; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
    "SET lock_timeout = '2s'; SET statement_timeout = '30s'";

}  // namespace gh::credentials
