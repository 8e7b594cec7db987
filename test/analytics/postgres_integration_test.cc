// Integration tests of the analytics sink against a real PostgreSQL, started by
// scripts/with-postgres.sh (run through test/scripts/analytics_postgres.sh). Each test case works
// in its own fresh database. Tagged [.][pg]: hidden from plain test discovery, since they need the
// server.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "event_store.h"
#include "pseudonym.h"
#include "schema.h"
#include "traceassist/analytics/postgres_sink.h"

namespace ta = traceassist::analytics;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kKey[] = "integration-test-key-0123456789abcdef";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// True when a throwaway server is available; otherwise says why the test does nothing.
bool HavePostgres() {
  if (!Env("TRACEASSIST_TEST_DATABASE_URL").empty()) return true;
  WARN("SKIPPED: TRACEASSIST_TEST_DATABASE_URL is not set (run through scripts/with-postgres.sh)");
  return false;
}

// Stops (`stop -m immediate`) or starts the throwaway server.
void PgCtl(const std::string& arguments) {
  const std::string command = Env("TRACEASSIST_TEST_PG_CTL") + " " + arguments + " >/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
}

std::string WithDatabase(const std::string& url, const std::string& database) {
  return url.substr(0, url.rfind('/') + 1) + database;
}

// A fresh, empty database for one test case, dropped at the end.
class TestDatabase {
 public:
  TestDatabase() {
    static std::atomic<int> counter{0};
    name_ = "ta_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    pqxx::connection admin(Env("TRACEASSIST_TEST_DATABASE_URL"));
    pqxx::nontransaction(admin).exec("CREATE DATABASE " + name_);
    url_ = WithDatabase(Env("TRACEASSIST_TEST_DATABASE_URL"), name_);
  }
  ~TestDatabase() {
    try {
      pqxx::connection admin(Env("TRACEASSIST_TEST_DATABASE_URL"));
      pqxx::nontransaction(admin).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
      // the server may be stopped by a failed test; the whole data dir goes away anyway
    }
  }
  const std::string& url() const { return url_; }

  // Rows matching `where`; -1 while the table does not exist yet.
  long long Count(const std::string& where = "true") const {
    pqxx::connection connection(url_);
    pqxx::read_transaction read(connection);
    if (read.exec1("SELECT to_regclass('usage_events') IS NULL")[0].as<bool>()) return -1;
    return read.exec1("SELECT count(*) FROM usage_events WHERE " + where)[0].as<long long>();
  }

 private:
  std::string name_;
  std::string url_;
};

ta::AnalyticsConfig Config(const std::string& url, std::size_t capacity = 10000) {
  ta::AnalyticsConfig config;
  config.database_url = url;
  config.key = kKey;
  config.queue_capacity = capacity;
  config.version = "9.9.9-test";
  config.backoff_initial = 20ms;
  config.backoff_max = 250ms;
  return config;
}

ta::UsageEvent Event(int i) {
  ta::UsageEvent event;
  event.time = std::chrono::system_clock::now();
  event.source = i % 2 ? "webhook" : "api";
  event.outcome = i % 3 == 0 ? "input_error" : "ok";
  event.objects_seen = i;
  event.objects_instrumented = i % 4;
  if (i % 2) event.languages = {"java", "python"};
  event.changes_made = i % 5 == 0;
  event.processing_time = std::chrono::microseconds(i * 10);
  event.manifest_bytes = 100 + i;
  event.client_repo = "github.com/acme-secret/repo-" + std::to_string(i % 7);
  if (i % 10 != 0) event.deployment_name = "payments-" + std::to_string(i % 3);
  return event;
}

std::uint64_t MetricValue(const ta::UsageSink& sink, const std::string& name) {
  std::string text;
  sink.AppendMetrics(text);
  const std::string needle = "\n" + name + " ";
  const std::size_t at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return std::stoull(text.substr(at + needle.size()));
}

template <typename Predicate>
bool Eventually(Predicate predicate, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (predicate()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return predicate();
}

// Records `count` events spread over `duration`, numbered from `first`.
void RecordPaced(ta::UsageSink& sink, int first, int count, std::chrono::milliseconds duration) {
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    sink.Record(Event(first + i));
    std::this_thread::sleep_until(start + duration * (i + 1) / count);
  }
}

}  // namespace

TEST_CASE("every recorded event is exactly one row with the right fields and no caller text",
          "[.][pg]") {
  if (!HavePostgres()) return;
  TestDatabase db;
  auto sink = ta::CreateUsageSink(Config(db.url()));
  std::vector<ta::UsageEvent> events;
  for (int i = 0; i < 300; ++i) {
    events.push_back(Event(i));
    sink->Record(events.back());
  }
  REQUIRE(sink->Shutdown(10s) == 0);
  CHECK(MetricValue(*sink, "traceassist_analytics_written_total") == 300);

  pqxx::connection connection(db.url());
  pqxx::read_transaction read(connection);
  const pqxx::result rows = read.exec(
      "SELECT objects_seen, source, outcome, objects_instrumented, array_to_string(languages, ','),"
      " changes_made, processing_us, manifest_size_bucket, service_version, repo_pseudonym,"
      " deployment_pseudonym, floor(extract(epoch FROM occurred_at) * 1000000)::bigint"
      " FROM usage_events ORDER BY objects_seen");
  REQUIRE(rows.size() == 300);
  ta::Pseudonymizer pseudonymizer(kKey);
  for (int i = 0; i < 300; ++i) {
    const auto row = rows[i];
    const ta::UsageEvent& event = events[i];
    INFO("event " << i);
    CHECK(row[0].as<int>() == i);  // exactly one row per event
    CHECK(row[1].as<std::string>() == event.source);
    CHECK(row[2].as<std::string>() == event.outcome);
    CHECK(row[3].as<int>() == event.objects_instrumented);
    CHECK(row[4].as<std::string>() == (i % 2 ? "java,python" : ""));
    CHECK(row[5].as<bool>() == event.changes_made);
    CHECK(row[6].as<long long>() == event.processing_time.count());
    CHECK(row[7].as<long long>() == ta::SizeBucket(event.manifest_bytes));
    CHECK(row[8].as<std::string>() == "9.9.9-test");
    CHECK(row[9].as<std::string>() == *pseudonymizer.Of(event.client_repo));
    if (event.deployment_name.empty()) {
      CHECK(row[10].is_null());
    } else {
      CHECK(row[10].as<std::string>() == *pseudonymizer.Of(event.deployment_name));
    }
    CHECK(row[11].as<long long>() ==
          std::chrono::duration_cast<std::chrono::microseconds>(event.time.time_since_epoch())
              .count());
  }
  // No caller text anywhere in the table, in any column.
  CHECK(read.exec1("SELECT count(*) FROM usage_events u WHERE u::text ILIKE '%acme%' OR "
                   "u::text ILIKE '%payments%' OR u::text ILIKE '%repo-%'")[0]
            .as<int>() == 0);
  CHECK(read.exec1("SELECT count(DISTINCT repo_pseudonym) FROM usage_events")[0].as<int>() == 7);
  CHECK(read.exec1("SELECT count(*) FROM schema_migrations")[0].as<int>() ==
        ta::LatestSchemaVersion());
}

TEST_CASE("PostgreSQL killed mid-load and restarted: every event is written", "[.][pg]") {
  if (!HavePostgres()) return;
  TestDatabase db;
  auto sink = ta::CreateUsageSink(Config(db.url()));
  REQUIRE(Eventually([&] { return sink->State() == ta::SinkState::kOk; }, 5s));
  std::thread load([&] { RecordPaced(*sink, 0, 3000, 2500ms); });
  std::this_thread::sleep_for(600ms);
  PgCtl("stop -m immediate");
  // Keep recording while the server is gone; the sink notices and degrades.
  CHECK(Eventually([&] { return sink->State() == ta::SinkState::kDegraded; }, 3s));
  const auto depth_while_down = MetricValue(*sink, "traceassist_analytics_queue_depth");
  std::this_thread::sleep_for(600ms);
  PgCtl("start");
  const auto restarted = Clock::now();
  load.join();
  CHECK(Eventually([&] { return db.Count() == 3000; }, 10s));
  const auto caught_up = Clock::now() - restarted;
  REQUIRE(sink->Shutdown(10s) == 0);
  CHECK(db.Count() == 3000);
  CHECK(db.Count("true") == db.Count("event_id IS NOT NULL"));
  CHECK(MetricValue(*sink, "traceassist_analytics_dropped_total") == 0);
  CHECK(MetricValue(*sink, "traceassist_analytics_written_total") == 3000);
  CHECK(sink->State() == ta::SinkState::kDegraded);  // after Shutdown: disconnected
  WARN("queue depth while down: "
       << depth_while_down << "; all rows in "
       << std::chrono::duration_cast<std::chrono::milliseconds>(caught_up).count()
       << " ms after restart");
}

TEST_CASE("with a tiny queue, the dropped counter equals the missing rows exactly", "[.][pg]") {
  if (!HavePostgres()) return;
  TestDatabase db;
  auto sink = ta::CreateUsageSink(Config(db.url(), 25));
  REQUIRE(Eventually([&] { return sink->State() == ta::SinkState::kOk; }, 5s));
  RecordPaced(*sink, 0, 200, 300ms);
  PgCtl("stop -m immediate");
  RecordPaced(*sink, 200, 400, 600ms);
  PgCtl("start");
  RecordPaced(*sink, 600, 200, 300ms);
  REQUIRE(sink->Shutdown(10s) == 0);
  const auto dropped = MetricValue(*sink, "traceassist_analytics_dropped_total");
  const auto rows = db.Count();
  CHECK(dropped > 0);
  CHECK(rows + static_cast<long long>(dropped) == 800);
  CHECK(MetricValue(*sink, "traceassist_analytics_written_total") ==
        static_cast<std::uint64_t>(rows));
  CHECK(MetricValue(*sink, "traceassist_analytics_enqueued_total") ==
        static_cast<std::uint64_t>(rows));
  WARN("tiny queue: " << rows << " rows written, " << dropped << " dropped, of 800");
}

TEST_CASE("PostgreSQL down at start-up: the sink starts degraded, events arrive once it is up",
          "[.][pg]") {
  if (!HavePostgres()) return;
  TestDatabase db;
  // Capture the log: the password in the URL must never appear in it.
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  std::string url = db.url();
  url.replace(url.find("://traceassist@"), 15, "://traceassist:hunter2@");

  PgCtl("stop -m immediate");
  ta::AnalyticsConfig config = Config(url);
  config.backoff_initial = ta::AnalyticsConfig{}.backoff_initial;  // the production schedule
  config.backoff_max = ta::AnalyticsConfig{}.backoff_max;
  auto sink = ta::CreateUsageSink(config);
  for (int i = 0; i < 50; ++i) sink->Record(Event(i));
  CHECK(Eventually(
      [&] { return MetricValue(*sink, "traceassist_analytics_connect_failures_total") >= 2; }, 5s));
  CHECK(sink->State() == ta::SinkState::kDegraded);
  std::this_thread::sleep_for(1500ms);  // let the backoff grow past a second
  PgCtl("start");
  const auto started = Clock::now();
  REQUIRE(Eventually([&] { return db.Count() == 50; }, 10s));
  const auto delay = Clock::now() - started;
  CHECK(delay < 6s);  // backoff is capped at about 5 s
  CHECK(Eventually([&] { return sink->State() == ta::SinkState::kOk; }, 2s));
  CHECK(sink->Shutdown(5s) == 0);
  spdlog::set_default_logger(previous);
  CHECK(log.str().find("unavailable") != std::string::npos);
  CHECK(log.str().find("hunter2") == std::string::npos);
  CHECK(log.str().find("traceassist:***@") != std::string::npos);
  WARN("events arrived " << std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()
                         << " ms after PostgreSQL started");
}

TEST_CASE("replicas starting together on an empty database migrate exactly once", "[.][pg]") {
  if (!HavePostgres()) return;
  for (int round = 0; round < 3; ++round) {
    TestDatabase db;
    constexpr int kReplicas = 4;
    std::barrier start(kReplicas);
    std::atomic<int> applied{0};
    std::mutex errors_mutex;
    std::string errors;  // Catch assertions are not thread-safe: collect, check after join
    std::vector<std::thread> replicas;
    for (int r = 0; r < kReplicas; ++r) {
      replicas.emplace_back([&] {
        try {
          pqxx::connection connection(db.url());
          start.arrive_and_wait();
          applied += ta::MigrateSchema(connection);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(errors_mutex);
          errors += e.what();
        }
      });
    }
    for (auto& replica : replicas) replica.join();
    CHECK(errors.empty());
    CHECK(applied == ta::LatestSchemaVersion());
    pqxx::connection connection(db.url());
    CHECK(ta::MigrateSchema(connection) == 0);  // idempotent when re-run
    CHECK(pqxx::read_transaction(connection)
              .exec1("SELECT count(*) FROM schema_migrations")[0]
              .as<int>() == ta::LatestSchemaVersion());
  }
  // Two whole sinks at once on a fresh database: both connect and write.
  TestDatabase db;
  auto first = ta::CreateUsageSink(Config(db.url()));
  auto second = ta::CreateUsageSink(Config(db.url()));
  for (int i = 0; i < 20; ++i) (i % 2 ? first : second)->Record(Event(i));
  CHECK(first->Shutdown(5s) == 0);
  CHECK(second->Shutdown(5s) == 0);
  CHECK(db.Count() == 20);
  CHECK(MetricValue(*first, "traceassist_analytics_written_total") == 10);
  CHECK(MetricValue(*second, "traceassist_analytics_written_total") == 10);
}

TEST_CASE("Shutdown flushes queued events, reconnecting at once if the database is down",
          "[.][pg]") {
  if (!HavePostgres()) return;
  TestDatabase db;
  SECTION("database up: a burst recorded just before shutdown is all in the table") {
    auto sink = ta::CreateUsageSink(Config(db.url(), 100000));
    for (int i = 0; i < 20000; ++i) sink->Record(Event(i));
    const auto queued = MetricValue(*sink, "traceassist_analytics_queue_depth");
    CHECK(queued > 0);
    CHECK(sink->Shutdown(20s) == 0);
    CHECK(db.Count() == 20000);
    WARN(queued << " events were queued when Shutdown began");
  }
  SECTION("database down when shutdown starts, back shortly after") {
    ta::AnalyticsConfig config = Config(db.url());
    config.backoff_initial = 30s;  // only the immediate retry at shutdown can make it in time
    config.backoff_max = 30s;
    auto sink = ta::CreateUsageSink(config);
    REQUIRE(Eventually([&] { return sink->State() == ta::SinkState::kOk; }, 5s));
    PgCtl("stop -m immediate");
    for (int i = 0; i < 100; ++i) sink->Record(Event(i));
    CHECK(Eventually([&] { return sink->State() == ta::SinkState::kDegraded; }, 5s));
    PgCtl("start");
    CHECK(sink->Shutdown(10s) == 0);
    CHECK(db.Count() == 100);
  }
}

TEST_CASE("rows older than the retention are deleted", "[.][pg]") {
  if (!HavePostgres()) return;
  TestDatabase db;
  ta::AnalyticsConfig config = Config(db.url());
  config.retention_days = 30;
  config.retention_interval = 100ms;
  auto sink = ta::CreateUsageSink(config);
  ta::UsageEvent old_event = Event(1);
  old_event.time -= std::chrono::hours(24 * 31);
  sink->Record(old_event);
  sink->Record(Event(2));
  CHECK(Eventually(
      [&] { return MetricValue(*sink, "traceassist_analytics_retention_deleted_total") == 1; },
      5s));
  CHECK(sink->Shutdown(5s) == 0);
  CHECK(db.Count() == 1);
  CHECK(db.Count("objects_seen = 2") == 1);
}

TEST_CASE("traceassist analytics summary reports the recorded usage", "[.][pg]") {
  if (!HavePostgres()) return;
  TestDatabase db;
  auto sink = ta::CreateUsageSink(Config(db.url()));
  for (int i = 0; i < 30; ++i) sink->Record(Event(i));
  REQUIRE(sink->Shutdown(5s) == 0);

  auto run = [&](const std::string& arguments, int& status) {
    const std::string command = "DATABASE_URL='" + db.url() +
                                "' " TRACEASSIST_BINARY " analytics summary " + arguments + " 2>&1";
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
    status = WEXITSTATUS(pclose(pipe));
    return output;
  };
  int status = -1;
  const auto json = nlohmann::json::parse(run("--since 30d --format json", status));
  CHECK(status == 0);
  CHECK(json["requests"] == 30);
  CHECK(json["with_changes"] == 6);  // i % 5 == 0
  CHECK(json["change_rate"].get<double>() == Approx(0.2));
  CHECK(json["distinct_repositories"] == 7);
  CHECK(json["distinct_deployments"] == 3);
  CHECK(json["languages"]["java"] == 15);
  CHECK(json["languages"]["python"] == 15);
  CHECK(json["outcomes"]["input_error"] == 10);
  REQUIRE(json["per_day"].size() >= 2);
  long long total = 0;
  for (const auto& day : json["per_day"]) total += day["requests"].get<long long>();
  CHECK(total == 30);

  const std::string text = run("", status);
  CHECK(status == 0);
  CHECK(text.find("change rate: 20.0%") != std::string::npos);
  CHECK(text.find("acme") == std::string::npos);

  run("--since yesterday", status);
  CHECK(status == 2);
}
