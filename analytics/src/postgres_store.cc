#include "postgres_store.h"

#include <pqxx/pqxx>
#include <stdexcept>
#include <utility>

#include "redact.h"
#include "schema.h"

namespace traceassist::analytics {
namespace {

constexpr char kInsert[] = "traceassist_insert_events";
constexpr char kDelete[] = "traceassist_delete_old_events";

// One statement for any batch size: each column arrives as one array parameter.
constexpr char kInsertSql[] = R"sql(
INSERT INTO usage_events (event_id, occurred_at, source, outcome, objects_seen,
  objects_instrumented, languages, changes_made, processing_us, manifest_size_bucket,
  service_version, repo_pseudonym, deployment_pseudonym)
SELECT e.event_id, timestamptz 'epoch' + e.time_us * interval '1 microsecond', e.source, e.outcome,
  e.seen, e.instrumented, string_to_array(e.languages, ','), e.changes, e.processing_us,
  e.size_bucket, $13, e.repo, e.deployment
FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[],
            $8::bool[], $9::bigint[], $10::bigint[], $11::text[], $12::text[])
  AS e(event_id, time_us, source, outcome, seen, instrumented, languages, changes, processing_us,
       size_bucket, repo, deployment)
ON CONFLICT (event_id) DO NOTHING
)sql";

constexpr char kDeleteSql[] =
    "DELETE FROM usage_events WHERE occurred_at < now() - make_interval(days => $1)";

// Bounds every statement so a hung server cannot hold the writer (and shutdown) for long.
constexpr char kSessionSetup[] = "SET statement_timeout = '15s'";

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += ',';
    out += part;
  }
  return out;
}

}  // namespace

std::string ArrayLiteral(const std::vector<std::optional<std::string>>& elements) {
  std::string out = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += ',';
    if (!elements[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *elements[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

PostgresEventStore::PostgresEventStore(std::string database_url, std::string version)
    : database_url_(std::move(database_url)),
      connect_string_(WithConnectTimeout(database_url_, 3)),
      version_(std::move(version)) {}

template <typename Work>
auto PostgresEventStore::Translated(Work&& work) {
  try {
    return work();
  } catch (const pqxx::broken_connection& e) {
    throw StoreUnavailable(ScrubSecrets(e.what(), database_url_));
  } catch (const pqxx::in_doubt_error& e) {
    // The commit may have happened; retrying is safe because inserts skip known event ids.
    throw StoreUnavailable(ScrubSecrets(e.what(), database_url_));
  } catch (const pqxx::sql_error& e) {
    // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now: the server is going
    // away or not yet ready, which is an outage, not a refusal of the data.
    const std::string state = e.sqlstate();
    if (state.starts_with("57P") || state.starts_with("08")) {
      throw StoreUnavailable(ScrubSecrets(e.what(), database_url_));
    }
    throw std::runtime_error(ScrubSecrets(e.what(), database_url_));
  } catch (const StoreUnavailable&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(ScrubSecrets(e.what(), database_url_));
  }
}

void PostgresEventStore::Connect() {
  Disconnect();
  Translated([this] {
    auto connection = std::make_unique<pqxx::connection>(connect_string_);
    MigrateSchema(*connection);
    pqxx::nontransaction(*connection).exec(kSessionSetup);
    connection->prepare(kInsert, kInsertSql);
    connection->prepare(kDelete, kDeleteSql);
    connection_ = std::move(connection);
  });
}

void PostgresEventStore::Disconnect() noexcept { connection_.reset(); }

void PostgresEventStore::Insert(const std::vector<StoredEvent>& batch) {
  if (!connection_) throw StoreUnavailable("not connected");
  std::vector<std::optional<std::string>> ids, times, sources, outcomes, seen, instrumented,
      languages, changes, processing, sizes, repos, deployments;
  for (const StoredEvent& event : batch) {
    ids.emplace_back(event.event_id);
    times.emplace_back(std::to_string(event.time_us));
    sources.emplace_back(event.source);
    outcomes.emplace_back(event.outcome);
    seen.emplace_back(std::to_string(event.objects_seen));
    instrumented.emplace_back(std::to_string(event.objects_instrumented));
    languages.emplace_back(Join(event.languages));
    changes.emplace_back(event.changes_made ? "t" : "f");
    processing.emplace_back(std::to_string(event.processing_us));
    sizes.emplace_back(std::to_string(event.manifest_size_bucket));
    repos.emplace_back(event.repo_pseudonym);
    deployments.emplace_back(event.deployment_pseudonym);
  }
  Translated([&] {
    pqxx::work work(*connection_, "analytics_insert");
    work.exec_prepared(kInsert, ArrayLiteral(ids), ArrayLiteral(times), ArrayLiteral(sources),
                       ArrayLiteral(outcomes), ArrayLiteral(seen), ArrayLiteral(instrumented),
                       ArrayLiteral(languages), ArrayLiteral(changes), ArrayLiteral(processing),
                       ArrayLiteral(sizes), ArrayLiteral(repos), ArrayLiteral(deployments),
                       version_);
    work.commit();
  });
}

std::size_t PostgresEventStore::DeleteOlderThanDays(int days) {
  if (!connection_) throw StoreUnavailable("not connected");
  return Translated([&] {
    pqxx::work work(*connection_, "analytics_retention");
    const pqxx::result result = work.exec_prepared(kDelete, days);
    work.commit();
    return static_cast<std::size_t>(result.affected_rows());
  });
}

}  // namespace traceassist::analytics
