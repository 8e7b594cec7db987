// What the background writer stores, and the storage it writes to. The PostgreSQL store is the real
// one; tests substitute a fake to make queueing, retry and shutdown behaviour precise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "pseudonym.h"
#include "traceassist/analytics/usage_sink.h"

namespace traceassist::analytics {

// One row of usage_events, already stripped of anything identifying: the caller's identifiers are
// replaced by pseudonyms, free-text fields by fixed tokens.
struct StoredEvent {
  std::string event_id;      // random UUID: tells whether an in-doubt batch was committed
  std::int64_t time_us = 0;  // microseconds since the Unix epoch
  std::string source;        // "api" | "webhook" | "other"
  std::string outcome;       // a [a-z0-9_] token of at most 32 characters, else "other"
  int objects_seen = 0;
  int objects_instrumented = 0;
  std::vector<std::string> languages;  // tokens as for outcome
  bool changes_made = false;
  std::int64_t processing_us = 0;
  std::int64_t manifest_size_bucket = 0;  // smallest power of two >= the manifest size (0 for 0)
  std::optional<std::string> repo_pseudonym;
  std::optional<std::string> deployment_pseudonym;
};

// Converts what the server reported into what may be stored, into `stored` (whose strings are
// reused). Never copies caller text.
void ToStoredEvent(const UsageEvent& event, Pseudonymizer& pseudonymizer, StoredEvent& stored);
inline StoredEvent ToStoredEvent(const UsageEvent& event, Pseudonymizer& pseudonymizer) {
  StoredEvent stored;
  ToStoredEvent(event, pseudonymizer, stored);
  return stored;
}

// The smallest power of two >= bytes (0 for 0): sizes are stored coarsely.
std::int64_t SizeBucket(std::size_t bytes);

// Thrown by a store when the connection is gone (or a commit's outcome is unknown): the writer
// reconnects and retries the same batch.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Durable storage for events. Used by one writer thread only; not thread-safe.
class EventStore {
 public:
  virtual ~EventStore() = default;
  // Drops any old connection, opens a new one and makes the schema current. Throws
  // StoreUnavailable (or another std::exception) on failure.
  virtual void Connect() = 0;
  // Drops the connection (no-op when there is none).
  virtual void Disconnect() noexcept = 0;
  // Inserts `batch` in one transaction. A batch retried after a commit whose outcome was unknown is
  // not inserted twice. Throws StoreUnavailable when the connection failed (the caller reconnects
  // and retries the same batch), another std::exception when the batch was refused.
  virtual void Insert(std::span<const StoredEvent> batch) = 0;
  // Deletes events older than `days` days; returns how many. Throws like Insert.
  virtual std::size_t DeleteOlderThanDays(int days) = 0;
};

}  // namespace traceassist::analytics
