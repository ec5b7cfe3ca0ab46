#pragma once

#include "common/status.h"
#include "store/sqlite_db.h"

namespace gh::store {

// The embedded store's schema is a list of numbered migrations (sqlite_schema.cpp). Each
// applied one is a row in `schema_version`; opening a store applies the missing ones in one
// transaction. A later feature adds a table by appending a migration, never by editing one.
inline constexpr int kSqliteSchemaVersion = 4;

// Brings the database to kSqliteSchemaVersion. Invalid if it was written by a newer gatehouse.
// Safe when several processes open the same file at once (BEGIN IMMEDIATE serialises them).
Status migrate_sqlite_schema(Database& db);

// The version recorded in the database (0 for a new one).
Result<int> sqlite_schema_version(Database& db);

}  // namespace gh::store
