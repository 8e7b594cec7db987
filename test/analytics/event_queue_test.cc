// The sink's event queue: events come out as they went in, in order, and blocks go back to the
// kernel once drained.
#include "event_queue.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace ta = traceassist::analytics;

namespace {

ta::UsageEvent Event(int n) {
  ta::UsageEvent event;
  event.time =
      std::chrono::system_clock::time_point(std::chrono::microseconds(1'700'000'000'000'000 + n));
  event.source = n % 2 ? "api" : "webhook";
  event.outcome = n % 3 ? "ok" : "input_error";
  event.objects_seen = n;
  event.objects_instrumented = n / 2;
  for (int i = 0; i < n % 4; ++i) event.languages.push_back("language" + std::to_string(i));
  event.changes_made = n % 5 == 0;
  event.processing_time = std::chrono::microseconds(n * 7);
  event.manifest_bytes = static_cast<std::size_t>(n) * 1000;
  event.client_repo = n % 7 ? "github.com/acme/repo-" + std::to_string(n) : "";
  event.deployment_name = std::string(static_cast<std::size_t>(n % 50), 'd');
  return event;
}

void RequireSame(const ta::UsageEvent& a, const ta::UsageEvent& b) {
  REQUIRE(a.time == b.time);
  REQUIRE(a.source == b.source);
  REQUIRE(a.outcome == b.outcome);
  REQUIRE(a.objects_seen == b.objects_seen);
  REQUIRE(a.objects_instrumented == b.objects_instrumented);
  REQUIRE(a.languages == b.languages);
  REQUIRE(a.changes_made == b.changes_made);
  REQUIRE(a.processing_time == b.processing_time);
  REQUIRE(a.manifest_bytes == b.manifest_bytes);
  REQUIRE(a.client_repo == b.client_repo);
  REQUIRE(a.deployment_name == b.deployment_name);
}

}  // namespace

TEST_CASE("the event queue returns every field of every event, in order, across blocks") {
  ta::EventQueue queue(4096);  // one page: a few dozen records per block
  std::vector<ta::UsageEvent> out;
  int next_in = 0;
  int next_out = 0;
  // Interleave pushes and pops of different sizes so records cross many block boundaries.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 37; ++i) queue.Push(Event(next_in++));
    queue.Pop(static_cast<std::size_t>(round % 3 == 0 ? 100 : 20), out);
    for (const ta::UsageEvent& event : out) RequireSame(event, Event(next_out++));
    REQUIRE(queue.size() == static_cast<std::size_t>(next_in - next_out));
  }
  while (!queue.empty()) {
    queue.Pop(64, out);
    for (const ta::UsageEvent& event : out) RequireSame(event, Event(next_out++));
  }
  CHECK(next_out == next_in);
  queue.Pop(10, out);
  CHECK(out.empty());
}

TEST_CASE("a drained backlog's blocks are unmapped, all but the one in use and a spare") {
  ta::EventQueue queue(4096);
  for (int i = 0; i < 20000; ++i) queue.Push(Event(i));
  const std::size_t backlog = queue.mapped_bytes();
  CHECK(backlog >= 20000u * 64);  // every record holds at least its header
  std::vector<ta::UsageEvent> out;
  while (!queue.empty()) queue.Pop(2000, out);
  // What is left: the last block, emptied and reused, and the spare.
  CHECK(queue.mapped_bytes() == 2 * 4096);
  // The queue keeps working after draining, in the block it kept.
  queue.Push(Event(3));
  queue.Pop(1, out);
  REQUIRE(out.size() == 1);
  RequireSame(out[0], Event(3));
  CHECK(queue.mapped_bytes() == 2 * 4096);
}

TEST_CASE("an event larger than a block gets a block of its own") {
  ta::EventQueue queue(4096);
  ta::UsageEvent big = Event(1);
  big.client_repo = std::string(10000, 'r');
  queue.Push(Event(2));
  queue.Push(big);
  queue.Push(Event(4));
  std::vector<ta::UsageEvent> out;
  queue.Pop(3, out);
  REQUIRE(out.size() == 3);
  RequireSame(out[0], Event(2));
  RequireSame(out[1], big);
  RequireSame(out[2], Event(4));
  CHECK(queue.mapped_bytes() == 4096);  // the spare: the oversized block was unmapped, not kept
}
