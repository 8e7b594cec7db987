// The sink's FIFO of usage events, kept out of the general heap. Each event is encoded into one
// compact record (fixed fields, then its strings) appended to blocks mapped from the kernel
// directly; a block is unmapped as soon as every record in it has been taken.
//
// Why not a std::deque<UsageEvent>: its events were allocated on request threads and freed on the
// writer thread, which made request threads contend for malloc's arenas, and a backlog built during
// a database outage left its memory scattered through the heap, where malloc could not return it to
// the kernel once the backlog drained. Here the request path copies bytes and allocates nothing
// (a block now and then), and a drained backlog is handed back whole: what stays is the block in
// use, reused from its start whenever the queue is empty, and one spare, so that steady traffic
// whose batches straddle two blocks does not map and unmap memory all the time.
//
// Not thread-safe: the sink guards it with its mutex.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

#include "traceassist/analytics/usage_sink.h"

namespace traceassist::analytics {

class EventQueue {
 public:
  // Records go into blocks of `block_bytes` (rounded up to whole pages); a record larger than that
  // gets a block of its own.
  explicit EventQueue(std::size_t block_bytes = std::size_t{64} << 10);
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Appends a copy of `event`. Throws std::bad_alloc when a new block cannot be mapped.
  void Push(const UsageEvent& event);
  // Replaces the contents of `out` with the oldest `count` events (at most size()), removing them.
  void Pop(std::size_t count, std::vector<UsageEvent>& out);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Bytes currently mapped for blocks, the spare included.
  std::size_t mapped_bytes() const { return mapped_bytes_; }

 private:
  struct Block {
    char* data = nullptr;
    std::size_t capacity = 0;
    std::size_t read = 0;   // offset of the oldest record not yet taken
    std::size_t write = 0;  // offset where the next record goes
  };
  Block Map(std::size_t bytes);
  void Unmap(Block& block) noexcept;
  void Retire(Block block) noexcept;  // keeps one standard block as the spare, unmaps the rest

  const std::size_t block_bytes_;
  std::deque<Block> blocks_;  // oldest first; the last one takes new records
  Block spare_;               // an emptied standard block, reused before mapping a new one
  std::size_t size_ = 0;
  std::size_t mapped_bytes_ = 0;
};

}  // namespace traceassist::analytics
