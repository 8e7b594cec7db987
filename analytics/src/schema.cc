#include "schema.h"

#include <array>
#include <pqxx/pqxx>
#include <set>

#include "analytics_log.h"

namespace traceassist::analytics {
namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Append only: a released migration is never edited.
constexpr std::array<Migration, 1> kMigrations = {{
    {1, "usage_events",
     R"sql(
CREATE TABLE usage_events (
  event_id uuid NOT NULL,  -- no unique index: it would double the insert cost
  occurred_at timestamptz NOT NULL,
  source text NOT NULL,
  outcome text NOT NULL,
  objects_seen integer NOT NULL,
  objects_instrumented integer NOT NULL,
  languages text[] NOT NULL,
  changes_made boolean NOT NULL,
  processing_us bigint NOT NULL,
  manifest_size_bucket bigint NOT NULL,
  service_version text NOT NULL,
  repo_pseudonym text,
  deployment_pseudonym text
);
-- Rows arrive in time order: a BRIN index costs next to nothing per insert (a B-tree doubled the
-- insert cost) and serves the time-range queries (retention, summaries).
CREATE INDEX usage_events_occurred_at ON usage_events USING brin (occurred_at);
COMMENT ON TABLE usage_events IS
  'TraceAssist anonymous usage: one row per API call or admission; no caller text, only HMAC pseudonyms';
)sql"},
}};

// "TraceAsM" as a number: the advisory lock every TraceAssist replica takes to migrate.
constexpr long long kMigrationLock = 0x5472616365417344LL;

}  // namespace

int LatestSchemaVersion() { return kMigrations.back().version; }

int MigrateSchema(pqxx::connection& connection) {
  pqxx::work work(connection, "analytics_migrate");
  work.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
  work.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY,"
      " description text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  std::set<int> applied;
  for (const auto& row : work.exec("SELECT version FROM schema_migrations")) {
    applied.insert(row[0].as<int>());
  }
  int count = 0;
  for (const Migration& migration : kMigrations) {
    if (applied.count(migration.version) != 0) continue;
    work.exec(migration.sql);
    work.exec_params("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                     migration.version, migration.description);
    ++count;
  }
  if (!applied.empty() && *applied.rbegin() > LatestSchemaVersion()) {
    Log(LogLevel::kWarn, "the database schema is newer than this build knows",
        {{"database_version", *applied.rbegin()}, {"known_version", LatestSchemaVersion()}});
  }
  work.commit();
  if (count > 0) {
    Log(LogLevel::kInfo, "applied schema migrations",
        {{"migrations", count}, {"version", LatestSchemaVersion()}});
  }
  return count;
}

}  // namespace traceassist::analytics
