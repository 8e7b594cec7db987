// The analytics schema: versioned migrations applied at connect time, under an advisory lock so
// that replicas starting together apply each migration exactly once.
#pragma once

#include <pqxx/connection>

namespace traceassist::analytics {

// Applies every migration not yet recorded in schema_migrations, in one transaction holding a
// transaction-level advisory lock (others wait, then find nothing to do). Returns how many were
// applied by this call. Throws pqxx exceptions.
int MigrateSchema(pqxx::connection& connection);

// The newest schema version this build knows.
int LatestSchemaVersion();

}  // namespace traceassist::analytics
