#include "postgres_store.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <pqxx/pqxx>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "redact.h"
#include "schema.h"

namespace traceassist::analytics {
namespace {

constexpr char kDelete[] = "traceassist_delete_old_events";
constexpr char kFind[] = "traceassist_find_event";

// The COPY target columns, in the order Insert writes them.
const std::vector<std::string> kColumns = {"event_id",
                                           "occurred_at",
                                           "source",
                                           "outcome",
                                           "objects_seen",
                                           "objects_instrumented",
                                           "languages",
                                           "changes_made",
                                           "processing_us",
                                           "manifest_size_bucket",
                                           "service_version",
                                           "repo_pseudonym",
                                           "deployment_pseudonym"};

// Uses the occurred_at index: the event id alone is not indexed.
constexpr char kFindSql[] =
    "SELECT count(*) FROM usage_events WHERE occurred_at = timestamptz 'epoch' + $1::bigint * "
    "interval '1 microsecond' AND event_id = $2::uuid";

constexpr char kDeleteSql[] =
    "DELETE FROM usage_events WHERE occurred_at < now() - make_interval(days => $1)";

// Bounds every statement so a hung server cannot hold the writer (and shutdown) for long.
constexpr char kSessionSetup[] = "SET statement_timeout = '15s'";

// "2026-11-22 00:45:17.123456+00": a timestamptz literal for COPY, exact to the microsecond.
std::string TimestampLiteral(std::int64_t micros) {
  micros = std::max<std::int64_t>(micros, 0);
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(micros % 1000000));
  return text;
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
    // Only the migrations commit explicitly; reconnecting re-runs them, which is idempotent.
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
    connection->prepare(kDelete, kDeleteSql);
    connection->prepare(kFind, kFindSql);
    connection_ = std::move(connection);
  });
}

void PostgresEventStore::Disconnect() noexcept { connection_.reset(); }

void PostgresEventStore::Insert(const std::vector<StoredEvent>& batch) {
  if (!connection_) throw StoreUnavailable("not connected");
  if (batch.empty()) return;
  Translated([&] {
    if (in_doubt_first_) {
      pqxx::nontransaction read(*connection_, "analytics_in_doubt");
      const bool stored =
          read.exec_prepared1(kFind, in_doubt_first_->time_us, in_doubt_first_->event_id)[0]
              .as<long long>() > 0;
      const bool same_batch = in_doubt_first_->event_id == batch.front().event_id;
      in_doubt_first_.reset();
      if (stored && same_batch) return;
    }
    // One COPY in autocommit mode: atomic on its own, two round trips per batch (BEGIN and COMMIT
    // would double them, and under CPU contention each round trip waits for the scheduler).
    // Until it is known to have succeeded, the batch is "in doubt": if the connection breaks at
    // the wrong moment the rows may be stored, and the retry looks them up first.
    in_doubt_first_ = batch.front();
    pqxx::nontransaction work(*connection_, "analytics_insert");
    pqxx::stream_to copy(work, "usage_events", kColumns);
    for (const StoredEvent& event : batch) {
      std::vector<std::optional<std::string>> languages(event.languages.begin(),
                                                        event.languages.end());
      copy << std::make_tuple(event.event_id, TimestampLiteral(event.time_us), event.source,
                              event.outcome, event.objects_seen, event.objects_instrumented,
                              ArrayLiteral(languages), event.changes_made, event.processing_us,
                              event.manifest_size_bucket, version_, event.repo_pseudonym,
                              event.deployment_pseudonym);
    }
    copy.complete();  // errors in the data surface here
    in_doubt_first_.reset();
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
