// The EventStore backed by PostgreSQL through libpqxx. Writes a whole batch with one COPY (atomic
// on its own); the other statements are prepared. When a COPY fails without telling whether it was
// stored (the connection broke), the retry first looks the batch's first event up, so a batch is
// never stored twice and never lost.
//
// Not thread-safe: owned and used by the sink's writer thread only.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <string_view>
#include <vector>

#include "event_store.h"

namespace traceassist::analytics {

class PostgresEventStore final : public EventStore {
 public:
  // `database_url` is a libpq connection string; `version` is stored with every row.
  PostgresEventStore(std::string database_url, std::string version);

  void Connect() override;
  void Disconnect() noexcept override;
  void Insert(std::span<const StoredEvent> batch) override;
  std::size_t DeleteOlderThanDays(int days) override;

 private:
  // Runs `work` translating libpqxx errors: StoreUnavailable for a lost connection, otherwise
  // std::runtime_error; both with secrets scrubbed from the message.
  template <typename Work>
  auto Translated(Work&& work);

  const std::string database_url_;
  const std::string connect_string_;
  const std::string version_;
  // Rebuilt from scratch after any failure: libpqxx 6 would otherwise "reactivate" the old object
  // only on the third use, and prepared statements must be prepared again anyway.
  std::unique_ptr<pqxx::connection> connection_;
  // The first event of a batch whose COPY has not been confirmed.
  std::optional<StoredEvent> in_doubt_first_;
  std::string copy_text_;  // the rows of the batch being written, reused
};

// A PostgreSQL array literal of the given elements ("{\"a\",\"b\"}").
std::string ArrayLiteral(const std::vector<std::string>& elements);

// Appends `event` as one line of COPY text in the order of PostgresEventStore's columns, `version`
// being the service version stored with it.
void AppendCopyRow(std::string& out, const StoredEvent& event, std::string_view version);

}  // namespace traceassist::analytics
