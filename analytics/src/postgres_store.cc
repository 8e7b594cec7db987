#include "postgres_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>  // not in pqxx/pqxx since 6.0 (deprecated there)
#include <stdexcept>
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

// Appends `text` as one field of COPY's text format: backslash, tab, newline and carriage return
// are escaped; everything else is taken as is.
void AppendCopyText(std::string& out, std::string_view text) {
  static constexpr auto kEscape = [] {
    std::array<char, 256> escape{};  // what follows the backslash; 0: taken as is
    escape['\\'] = '\\';
    escape['\t'] = 't';
    escape['\n'] = 'n';
    escape['\r'] = 'r';
    return escape;
  }();
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char escaped = kEscape[static_cast<unsigned char>(text[i])];
    if (escaped == 0) continue;
    out.append(text.substr(run, i - run));
    out += '\\';
    out += escaped;
    run = i + 1;
  }
  out.append(text.substr(run));
}

void AppendInteger(std::string& out, long long value) {
  const fmt::format_int digits(value);
  out.append(digits.data(), digits.size());
}

// "2026-11-22 00:45:17.123456+00": a timestamptz literal, exact to the microsecond.
void AppendTimestamp(std::string& out, std::int64_t micros) {
  micros = std::max<std::int64_t>(micros, 0);
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[48];
  const char* end = fmt::format_to(text, "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00",
                                   utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                                   utc.tm_min, utc.tm_sec, micros % 1000000);
  out.append(text, static_cast<std::size_t>(end - text));
}

void AppendOptional(std::string& out, const std::optional<std::string>& text) {
  if (text) {
    AppendCopyText(out, *text);
  } else {
    out += "\\N";
  }
}

}  // namespace

std::string ArrayLiteral(const std::vector<std::string>& elements) {
  std::string out = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : elements[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

void AppendCopyRow(std::string& out, const StoredEvent& event, std::string_view version) {
  // Text fields go through AppendCopyText even where ToStoredEvent already limits them to
  // characters COPY takes as they are: a row is never broken by what a field holds.
  AppendCopyText(out, event.event_id);
  out += '\t';
  AppendTimestamp(out, event.time_us);
  out += '\t';
  AppendCopyText(out, event.source);
  out += '\t';
  AppendCopyText(out, event.outcome);
  out += '\t';
  AppendInteger(out, event.objects_seen);
  out += '\t';
  AppendInteger(out, event.objects_instrumented);
  out += '\t';
  AppendCopyText(out, ArrayLiteral(event.languages));
  out += '\t';
  out += event.changes_made ? 't' : 'f';
  out += '\t';
  AppendInteger(out, event.processing_us);
  out += '\t';
  AppendInteger(out, event.manifest_size_bucket);
  out += '\t';
  AppendCopyText(out, version);
  out += '\t';
  AppendOptional(out, event.repo_pseudonym);
  out += '\t';
  AppendOptional(out, event.deployment_pseudonym);
  out += '\n';
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

void PostgresEventStore::Insert(std::span<const StoredEvent> batch) {
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
    // All rows in one buffer, sent with one call: COPY data is a byte stream whose chunks need not
    // be lines (libpq's PQputCopyData). pqxx 6.4 keeps stream_to's raw-line writer private and its
    // tuple interface converts and escapes field by field, which was most of the writer's time;
    // the tablewriter it deprecates in favour of stream_to is its one public raw-line writer.
    copy_text_.clear();
    for (const StoredEvent& event : batch) AppendCopyRow(copy_text_, event, version_);
    copy_text_.pop_back();  // write_raw_line ends the last line itself
    pqxx::nontransaction work(*connection_, "analytics_insert");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    pqxx::tablewriter copy(work, "usage_events", kColumns.begin(), kColumns.end());
#pragma GCC diagnostic pop
    copy.write_raw_line(copy_text_);
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
