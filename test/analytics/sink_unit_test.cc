// Unit tests of the analytics sink with a fake store: queueing, dropping, retry, shutdown, metrics,
// and what an event becomes before it is stored.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "async_sink.h"
#include "event_store.h"
#include "postgres_store.h"
#include "pseudonym.h"
#include "redact.h"
#include "traceassist/analytics/postgres_sink.h"

namespace ta = traceassist::analytics;
using namespace std::chrono_literals;

namespace {

// Shared between a test and the FakeStore the sink owns.
struct FakeDatabase {
  std::mutex mutex;
  std::condition_variable changed;
  bool available = true;
  bool refuse = false;        // Insert throws a non-connection error
  bool hold_inserts = false;  // Insert waits until released
  std::vector<ta::StoredEvent> rows;
  int connects = 0;  // successful
  int connect_attempts = 0;
  std::chrono::steady_clock::time_point last_connect_attempt;

  void Set(bool FakeDatabase::*flag, bool value) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      this->*flag = value;
    }
    changed.notify_all();
  }
  std::size_t RowCount() {
    std::lock_guard<std::mutex> lock(mutex);
    return rows.size();
  }
};

class FakeStore : public ta::EventStore {
 public:
  explicit FakeStore(std::shared_ptr<FakeDatabase> db) : db_(std::move(db)) {}
  void Connect() override {
    std::lock_guard<std::mutex> lock(db_->mutex);
    ++db_->connect_attempts;
    db_->last_connect_attempt = std::chrono::steady_clock::now();
    if (!db_->available) throw ta::StoreUnavailable("connection refused");
    ++db_->connects;
    connected_ = true;
  }
  void Disconnect() noexcept override { connected_ = false; }
  void Insert(std::span<const ta::StoredEvent> batch) override {
    std::unique_lock<std::mutex> lock(db_->mutex);
    db_->changed.wait(lock, [&] { return !db_->hold_inserts; });
    if (!connected_ || !db_->available) throw ta::StoreUnavailable("server closed the connection");
    if (db_->refuse) throw std::runtime_error("value too long");
    db_->rows.insert(db_->rows.end(), batch.begin(), batch.end());
  }
  std::size_t DeleteOlderThanDays(int) override { return 0; }

 private:
  std::shared_ptr<FakeDatabase> db_;
  bool connected_ = false;
};

ta::AnalyticsConfig TestConfig(std::size_t capacity = 1000) {
  ta::AnalyticsConfig config;
  config.database_url = "postgresql://fake";
  config.queue_capacity = capacity;
  config.batch_size = 50;
  config.backoff_initial = 5ms;
  config.backoff_max = 50ms;
  config.version = "test";
  return config;
}

ta::UsageEvent Event(int n) {
  ta::UsageEvent event;
  event.time = std::chrono::system_clock::now();
  event.source = n % 2 ? "webhook" : "api";
  event.outcome = "ok";
  event.objects_seen = n;
  event.objects_instrumented = 1;
  event.languages = {"java"};
  event.changes_made = true;
  event.processing_time = std::chrono::microseconds(n);
  event.manifest_bytes = 100;
  event.client_repo = "github.com/acme/secret-repo";
  event.deployment_name = "payments-api";
  return event;
}

template <typename Predicate>
bool Eventually(Predicate predicate, std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (predicate()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return predicate();
}

std::string Metrics(const ta::UsageSink& sink) {
  std::string out;
  sink.AppendMetrics(out);
  return out;
}

bool HasLine(const std::string& metrics, const std::string& line) {
  return metrics.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("pseudonyms are HMAC-SHA256 (RFC 4231) and empty text stays empty") {
  ta::Pseudonymizer pseudonymizer("Jefe");
  CHECK(pseudonymizer.Of("what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK_FALSE(pseudonymizer.Of("").has_value());
  // RFC 4231 case 6: a key longer than the block is hashed first.
  CHECK(ta::Pseudonymizer(std::string(131, '\xaa'))
            .Of("Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // Repeated use gives the same answer (the hashing state is reset each time).
  CHECK(pseudonymizer.Of("what do ya want for nothing?") ==
        pseudonymizer.Of("what do ya want for nothing?"));
  CHECK(ta::Pseudonymizer("other key").Of("what do ya want for nothing?") !=
        pseudonymizer.Of("what do ya want for nothing?"));
  const std::string key = ta::Pseudonymizer::RandomKey();
  CHECK(key.size() == 32);
  CHECK(key != ta::Pseudonymizer::RandomKey());
}

TEST_CASE("a stored event keeps no caller text") {
  ta::Pseudonymizer pseudonymizer("k");
  ta::UsageEvent event = Event(3);
  event.source = "api";
  event.outcome = "Input Error: /etc/passwd";
  event.languages = {"java", "python", "java", "evil,lang{}\"", "nodejs"};
  event.manifest_bytes = 1500;
  event.processing_time = -5us;
  const ta::StoredEvent stored = ta::ToStoredEvent(event, pseudonymizer);
  CHECK(stored.source == "api");
  CHECK(stored.outcome == "other");
  CHECK(stored.languages == std::vector<std::string>{"java", "python", "other", "nodejs"});
  CHECK(stored.manifest_size_bucket == 2048);
  CHECK(stored.processing_us == 0);
  CHECK(stored.repo_pseudonym == pseudonymizer.Of("github.com/acme/secret-repo"));
  CHECK(stored.deployment_pseudonym == pseudonymizer.Of("payments-api"));
  // A version 4, variant 1 UUID: 8-4-4-4-12 lowercase hex.
  REQUIRE(stored.event_id.size() == 36);
  for (std::size_t i = 0; i < 36; ++i) {
    const char c = stored.event_id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      CHECK(c == '-');
    } else {
      CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
    }
  }
  CHECK(stored.event_id[14] == '4');
  CHECK(std::string("89ab").find(stored.event_id[19]) != std::string::npos);
  CHECK(stored.event_id != ta::ToStoredEvent(event, pseudonymizer).event_id);
  event.source = "cli";
  CHECK(ta::ToStoredEvent(event, pseudonymizer).source == "other");
  // Converting into a used StoredEvent (the writer reuses them) leaves nothing of the old one.
  ta::StoredEvent reused = stored;
  ta::UsageEvent other = Event(4);
  other.languages = {"go"};
  other.client_repo = "";
  ta::ToStoredEvent(other, pseudonymizer, reused);
  ta::StoredEvent fresh = ta::ToStoredEvent(other, pseudonymizer);
  CHECK(reused.event_id != stored.event_id);
  CHECK(reused.languages == std::vector<std::string>{"go"});
  CHECK_FALSE(reused.repo_pseudonym.has_value());
  CHECK(reused.deployment_pseudonym == fresh.deployment_pseudonym);
  CHECK(reused.outcome == fresh.outcome);
  CHECK(reused.time_us == fresh.time_us);
  CHECK(reused.objects_seen == fresh.objects_seen);
  CHECK(ta::SizeBucket(0) == 0);
  CHECK(ta::SizeBucket(1) == 1);
  CHECK(ta::SizeBucket(1024) == 1024);
  CHECK(ta::SizeBucket(1025) == 2048);
}

TEST_CASE("configuration from the environment") {
  std::map<std::string, std::string> env;
  auto lookup = [&env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  SECTION("defaults, analytics off") {
    const ta::AnalyticsConfig config = ta::ParseAnalyticsConfig(lookup, "1.2.3");
    CHECK(config.database_url.empty());
    CHECK(config.queue_capacity == 100000);
    CHECK_FALSE(config.required);
    CHECK(config.retention_days == 365);
    CHECK(config.version == "1.2.3");
    auto sink = ta::CreateUsageSink(config);
    CHECK(sink->State() == ta::SinkState::kOff);
    sink->Record(Event(1));
    CHECK(sink->Shutdown(10ms) == 0);
    CHECK(HasLine("\n" + Metrics(*sink), "traceassist_analytics_enabled 0"));
  }
  SECTION("every setting") {
    env = {{"DATABASE_URL", "postgresql://u:pw@127.0.0.1:5432/db"},
           {"TRACEASSIST_ANALYTICS_KEY", "0123456789abcdef0123456789abcdef"},
           {"TRACEASSIST_ANALYTICS_QUEUE", "50"},
           {"TRACEASSIST_ANALYTICS_REQUIRED", "true"},
           {"TRACEASSIST_ANALYTICS_RETENTION_DAYS", "30"}};
    const ta::AnalyticsConfig config = ta::ParseAnalyticsConfig(lookup, "v");
    CHECK(config.database_url == "postgresql://u:pw@127.0.0.1:5432/db");
    CHECK(config.key.size() == 32);
    CHECK(config.queue_capacity == 50);
    CHECK(config.required);
    CHECK(config.retention_days == 30);
  }
  SECTION("key=value connection strings are accepted") {
    env = {{"DATABASE_URL", "host=127.0.0.1 port=5432 dbname=app user=u password=pw"}};
    CHECK_NOTHROW(ta::ParseAnalyticsConfig(lookup, "v"));
  }
  SECTION("a malformed DATABASE_URL is refused without echoing its password") {
    env = {{"DATABASE_URL", "postgresql://u:hunter2@127.0.0.1:notaport/db"}};
    try {
      ta::ParseAnalyticsConfig(lookup, "v");
      FAIL("accepted a malformed DATABASE_URL");
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      CHECK(message.find("DATABASE_URL") != std::string::npos);
      CHECK(message.find("hunter2") == std::string::npos);
    }
    env = {{"DATABASE_URL", "hunter2-not-a-url"}};
    try {
      ta::ParseAnalyticsConfig(lookup, "v");
      FAIL("accepted a malformed DATABASE_URL");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("DATABASE_URL is not a valid") != std::string::npos);
    }
  }
  SECTION("malformed numbers and booleans are refused") {
    env = {{"DATABASE_URL", "postgresql://h/db"}};
    for (const char* bad : {"0", "-1", "ten", "10x", ""}) {
      env["TRACEASSIST_ANALYTICS_QUEUE"] = bad;
      CHECK_THROWS_AS(ta::ParseAnalyticsConfig(lookup, "v"), std::invalid_argument);
    }
    env.erase("TRACEASSIST_ANALYTICS_QUEUE");
    env["TRACEASSIST_ANALYTICS_REQUIRED"] = "maybe";
    CHECK_THROWS_AS(ta::ParseAnalyticsConfig(lookup, "v"), std::invalid_argument);
    env.erase("TRACEASSIST_ANALYTICS_REQUIRED");
    env["TRACEASSIST_ANALYTICS_RETENTION_DAYS"] = "-3";
    CHECK_THROWS_AS(ta::ParseAnalyticsConfig(lookup, "v"), std::invalid_argument);
    env["TRACEASSIST_ANALYTICS_RETENTION_DAYS"] = "0";
    CHECK(ta::ParseAnalyticsConfig(lookup, "v").retention_days == 0);
  }
  SECTION("required analytics without a database is a configuration error") {
    env = {{"TRACEASSIST_ANALYTICS_REQUIRED", "true"}};
    CHECK_THROWS_AS(ta::ParseAnalyticsConfig(lookup, "v"), std::invalid_argument);
  }
}

TEST_CASE("passwords are redacted from URLs and messages") {
  CHECK(ta::RedactDatabaseUrl("postgresql://u:p%40ss@127.0.0.1:5432/db") ==
        "postgresql://u:***@127.0.0.1:5432/db");
  CHECK(ta::RedactDatabaseUrl("postgres://u@h/db?sslmode=disable&password=x&a=b") ==
        "postgres://u@h/db?sslmode=disable&password=***&a=b");
  CHECK(ta::RedactDatabaseUrl("host=h password='a b\\'c' user=u") == "host=h password=*** user=u");
  CHECK(ta::RedactDatabaseUrl("host=h password = secret user=u") == "host=h password = *** user=u");
  CHECK(ta::RedactDatabaseUrl("postgresql://h:5432/db") == "postgresql://h:5432/db");
  CHECK(ta::ScrubSecrets("failed for p@ss and p%40ss", "postgresql://u:p%40ss@h/db") ==
        "failed for *** and ***");
  CHECK(ta::ScrubSecrets("refused\n\tIs the server running?\n", "") ==
        "refused Is the server running?");
}

TEST_CASE("array literals quote and escape every element") {
  CHECK(ta::ArrayLiteral({}) == "{}");
  CHECK(ta::ArrayLiteral({"a", "b\"c\\d,{}"}) == "{\"a\",\"b\\\"c\\\\d,{}\"}");
}

TEST_CASE("a stored event becomes one line of COPY text, escaped") {
  ta::StoredEvent event;
  event.event_id = "0f6c3a9e-1d2b-4c5d-8e7f-001122334455";
  event.time_us = 1'795'308'317'000'042;  // 2026-11-22 00:45:17.000042 UTC
  event.source = "api";
  event.outcome = "ok";
  event.objects_seen = 12;
  event.objects_instrumented = -3;
  event.languages = {"java", "b\"c\\d"};
  event.changes_made = true;
  event.processing_us = 1500;
  event.manifest_size_bucket = 0;
  event.repo_pseudonym = "ab12";
  std::string line = "before|";
  ta::AppendCopyRow(line, event, "1.0\tx\\y\nz\r");
  CHECK(line ==
        "before|0f6c3a9e-1d2b-4c5d-8e7f-001122334455\t2026-11-22 "
        "00:45:17.000042+00\tapi\tok\t12\t-3\t"
        "{\"java\",\"b\\\\\"c\\\\\\\\d\"}\tt\t1500\t0\t1.0\\tx\\\\y\\nz\\r\tab12\t\\N\n");
  event.time_us = 0;
  event.changes_made = false;
  line.clear();
  ta::AppendCopyRow(line, event, "v");
  CHECK(line.find("\t1970-01-01 00:00:00.000000+00\t") != std::string::npos);
  CHECK(line.find("\tf\t") != std::string::npos);
}

TEST_CASE("reconnect backoff doubles with jitter and is capped") {
  ta::ReconnectBackoff backoff(100ms, 5000ms);
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 12; ++i) delays.push_back(backoff.Next());
  CHECK(delays[0] >= 50ms);
  CHECK(delays[0] <= 100ms);
  CHECK(delays[3] >= 400ms);
  CHECK(delays[3] <= 800ms);
  for (auto delay : delays) CHECK(delay <= 5000ms);
  CHECK(delays[11] >= 2500ms);
  backoff.Reset();
  CHECK(backoff.Next() <= 100ms);
}

TEST_CASE("every recorded event is written exactly once, in order") {
  auto db = std::make_shared<FakeDatabase>();
  ta::AsyncUsageSink sink(TestConfig(), std::make_unique<FakeStore>(db), ta::Pseudonymizer("k"));
  for (int i = 0; i < 500; ++i) sink.Record(Event(i));
  CHECK(sink.Shutdown(5s) == 0);
  REQUIRE(db->RowCount() == 500);
  for (int i = 0; i < 500; ++i) CHECK(db->rows[i].objects_seen == i);
  const std::string metrics = Metrics(sink);
  CHECK(HasLine(metrics, "traceassist_analytics_enqueued_total 500"));
  CHECK(HasLine(metrics, "traceassist_analytics_written_total 500"));
  CHECK(HasLine(metrics, "traceassist_analytics_dropped_total 0"));
  CHECK(HasLine(metrics, "traceassist_analytics_queue_depth 0"));
  CHECK(metrics.find("# TYPE traceassist_analytics_batch_seconds histogram") != std::string::npos);
  CHECK(metrics.find("traceassist_analytics_batch_seconds_bucket{le=\"+Inf\"}") !=
        std::string::npos);
}

TEST_CASE("Record never waits on the database, and a full queue drops and counts") {
  auto db = std::make_shared<FakeDatabase>();
  db->hold_inserts = true;  // the database hangs
  ta::AsyncUsageSink sink(TestConfig(100), std::make_unique<FakeStore>(db), ta::Pseudonymizer("k"));
  REQUIRE(Eventually([&] { return sink.State() == ta::SinkState::kOk; }));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) sink.Record(Event(i));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < 500ms);  // 1000 enqueues against a hung database: no waiting
  std::string metrics = Metrics(sink);
  CHECK(HasLine(metrics, "traceassist_analytics_enqueued_total 100"));
  CHECK(HasLine(metrics, "traceassist_analytics_dropped_total 900"));
  CHECK(HasLine(metrics, "traceassist_analytics_queue_depth 100"));
  db->Set(&FakeDatabase::hold_inserts, false);
  CHECK(sink.Shutdown(5s) == 0);
  CHECK(db->RowCount() == 100);
  CHECK(HasLine(Metrics(sink), "traceassist_analytics_written_total 100"));
}

TEST_CASE("an unavailable database degrades the sink and events wait until it is back") {
  auto db = std::make_shared<FakeDatabase>();
  db->available = false;
  ta::AsyncUsageSink sink(TestConfig(), std::make_unique<FakeStore>(db), ta::Pseudonymizer("k"));
  for (int i = 0; i < 200; ++i) sink.Record(Event(i));
  REQUIRE(Eventually([&] {
    std::lock_guard<std::mutex> lock(db->mutex);
    return db->connect_attempts >= 3;
  }));
  CHECK(sink.State() == ta::SinkState::kDegraded);
  CHECK(db->RowCount() == 0);
  CHECK(HasLine(Metrics(sink), "traceassist_analytics_connected 0"));
  CHECK(HasLine(Metrics(sink), "traceassist_analytics_queue_depth 200"));
  db->Set(&FakeDatabase::available, true);
  REQUIRE(Eventually([&] { return db->RowCount() == 200; }));
  CHECK(sink.State() == ta::SinkState::kOk);
  // Lost mid-way: the batch in flight is kept and retried on a new connection.
  db->Set(&FakeDatabase::available, false);
  for (int i = 0; i < 100; ++i) sink.Record(Event(i));
  REQUIRE(Eventually([&] { return sink.State() == ta::SinkState::kDegraded; }));
  db->Set(&FakeDatabase::available, true);
  CHECK(sink.Shutdown(5s) == 0);
  CHECK(db->RowCount() == 300);
}

TEST_CASE("Shutdown reconnects at once instead of waiting out the backoff") {
  auto db = std::make_shared<FakeDatabase>();
  db->available = false;
  ta::AnalyticsConfig config = TestConfig();
  config.backoff_initial = 20s;  // without an immediate retry the flush would miss its deadline
  config.backoff_max = 20s;
  ta::AsyncUsageSink sink(config, std::make_unique<FakeStore>(db), ta::Pseudonymizer("k"));
  for (int i = 0; i < 10; ++i) sink.Record(Event(i));
  REQUIRE(Eventually([&] {
    std::lock_guard<std::mutex> lock(db->mutex);
    return db->connect_attempts >= 1;
  }));
  db->Set(&FakeDatabase::available, true);
  const auto start = std::chrono::steady_clock::now();
  CHECK(sink.Shutdown(3s) == 0);
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  CHECK(db->RowCount() == 10);
}

TEST_CASE("Shutdown with the database gone returns within the deadline and counts what is lost") {
  auto db = std::make_shared<FakeDatabase>();
  db->available = false;
  ta::AsyncUsageSink sink(TestConfig(), std::make_unique<FakeStore>(db), ta::Pseudonymizer("k"));
  for (int i = 0; i < 42; ++i) sink.Record(Event(i));
  const auto start = std::chrono::steady_clock::now();
  CHECK(sink.Shutdown(300ms) == 42);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 1500ms);
  CHECK(sink.Shutdown(1s) == 42);  // repeated calls give the same answer
  sink.Record(Event(1));           // after shutdown: dropped and counted
  CHECK(HasLine(Metrics(sink), "traceassist_analytics_dropped_total 1"));
}

TEST_CASE("a batch the database keeps refusing is given up after three tries and counted") {
  auto db = std::make_shared<FakeDatabase>();
  db->refuse = true;
  ta::AsyncUsageSink sink(TestConfig(), std::make_unique<FakeStore>(db), ta::Pseudonymizer("k"));
  for (int i = 0; i < 5; ++i) sink.Record(Event(i));
  REQUIRE(
      Eventually([&] { return HasLine(Metrics(sink), "traceassist_analytics_rejected_total 5"); }));
  db->Set(&FakeDatabase::refuse, false);
  sink.Record(Event(6));
  CHECK(sink.Shutdown(5s) == 0);
  CHECK(db->RowCount() == 1);
}

TEST_CASE("readiness: degraded analytics blocks only when required") {
  CHECK_FALSE(ta::AnalyticsBlocksReadiness(ta::SinkState::kDegraded, false));
  CHECK(ta::AnalyticsBlocksReadiness(ta::SinkState::kDegraded, true));
  CHECK_FALSE(ta::AnalyticsBlocksReadiness(ta::SinkState::kOk, true));
  CHECK(std::string(ta::SinkStateName(ta::SinkState::kDegraded)) == "degraded");
}
