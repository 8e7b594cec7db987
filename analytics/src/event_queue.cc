#include "event_queue.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

namespace traceassist::analytics {
namespace {

// A record: this header, then the bytes of source, outcome, client_repo and deployment_name, then
// each language as a 4-byte length and its bytes; padded to a multiple of 8.
struct Header {
  std::uint64_t record_bytes;
  std::int64_t time;  // system_clock ticks since the epoch
  std::int64_t processing_us;
  std::uint64_t manifest_bytes;
  std::int32_t objects_seen;
  std::int32_t objects_instrumented;
  std::uint32_t source_bytes;
  std::uint32_t outcome_bytes;
  std::uint32_t repo_bytes;
  std::uint32_t deployment_bytes;
  std::uint32_t languages;
  std::uint32_t changes_made;
};
constexpr std::size_t kAlign = 8;
static_assert(sizeof(Header) % kAlign == 0);

std::size_t RoundUp(std::size_t bytes, std::size_t to) { return (bytes + to - 1) / to * to; }

std::size_t PageSize() {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

std::size_t RecordBytes(const UsageEvent& event) {
  std::size_t bytes = sizeof(Header) + event.source.size() + event.outcome.size() +
                      event.client_repo.size() + event.deployment_name.size();
  for (const std::string& language : event.languages)
    bytes += sizeof(std::uint32_t) + language.size();
  return RoundUp(bytes, kAlign);
}

char* Put(char* at, const void* bytes, std::size_t size) {
  if (size > 0) std::memcpy(at, bytes, size);
  return at + size;
}

const char* Take(const char* at, std::size_t size, std::string& into) {
  into.assign(at, size);
  return at + size;
}

}  // namespace

EventQueue::EventQueue(std::size_t block_bytes) : block_bytes_(RoundUp(block_bytes, PageSize())) {}

EventQueue::~EventQueue() {
  for (Block& block : blocks_) Unmap(block);
  Unmap(spare_);
}

EventQueue::Block EventQueue::Map(std::size_t bytes) {
  bytes = RoundUp(bytes, PageSize());
  void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) throw std::bad_alloc();
  mapped_bytes_ += bytes;
  return Block{static_cast<char*>(data), bytes, 0, 0};
}

void EventQueue::Unmap(Block& block) noexcept {
  if (block.data == nullptr) return;
  munmap(block.data, block.capacity);
  mapped_bytes_ -= block.capacity;
  block = Block{};
}

void EventQueue::Retire(Block block) noexcept {
  if (spare_.data == nullptr && block.capacity == block_bytes_) {
    spare_ = Block{block.data, block.capacity, 0, 0};
  } else {
    Unmap(block);
  }
}

void EventQueue::Push(const UsageEvent& event) {
  const std::size_t bytes = RecordBytes(event);
  if (blocks_.empty() || blocks_.back().capacity - blocks_.back().write < bytes) {
    Block block;
    if (spare_.data != nullptr && bytes <= spare_.capacity) {
      block = spare_;
      spare_ = Block{};
    } else {
      block = Map(std::max(block_bytes_, bytes));
    }
    try {
      blocks_.push_back(block);
    } catch (...) {
      Retire(block);
      throw;
    }
  }
  Block& block = blocks_.back();
  const Header header{bytes,
                      event.time.time_since_epoch().count(),
                      event.processing_time.count(),
                      event.manifest_bytes,
                      event.objects_seen,
                      event.objects_instrumented,
                      static_cast<std::uint32_t>(event.source.size()),
                      static_cast<std::uint32_t>(event.outcome.size()),
                      static_cast<std::uint32_t>(event.client_repo.size()),
                      static_cast<std::uint32_t>(event.deployment_name.size()),
                      static_cast<std::uint32_t>(event.languages.size()),
                      event.changes_made ? 1u : 0u};
  char* at = Put(block.data + block.write, &header, sizeof header);
  at = Put(at, event.source.data(), event.source.size());
  at = Put(at, event.outcome.data(), event.outcome.size());
  at = Put(at, event.client_repo.data(), event.client_repo.size());
  at = Put(at, event.deployment_name.data(), event.deployment_name.size());
  for (const std::string& language : event.languages) {
    const auto length = static_cast<std::uint32_t>(language.size());
    at = Put(at, &length, sizeof length);
    at = Put(at, language.data(), language.size());
  }
  block.write += bytes;
  ++size_;
}

void EventQueue::Pop(std::size_t count, std::vector<UsageEvent>& out) {
  count = std::min(count, size_);
  out.resize(count);
  for (UsageEvent& event : out) {
    Block& block = blocks_.front();
    Header header;
    std::memcpy(&header, block.data + block.read, sizeof header);
    event.time =
        std::chrono::system_clock::time_point(std::chrono::system_clock::duration(header.time));
    event.processing_time = std::chrono::microseconds(header.processing_us);
    event.manifest_bytes = header.manifest_bytes;
    event.objects_seen = header.objects_seen;
    event.objects_instrumented = header.objects_instrumented;
    event.changes_made = header.changes_made != 0;
    const char* at = block.data + block.read + sizeof header;
    at = Take(at, header.source_bytes, event.source);
    at = Take(at, header.outcome_bytes, event.outcome);
    at = Take(at, header.repo_bytes, event.client_repo);
    at = Take(at, header.deployment_bytes, event.deployment_name);
    event.languages.resize(header.languages);
    for (std::string& language : event.languages) {
      std::uint32_t length = 0;
      std::memcpy(&length, at, sizeof length);
      at = Take(at + sizeof length, length, language);
    }
    block.read += header.record_bytes;
    if (block.read == block.write) {
      if (blocks_.size() == 1 && block.capacity == block_bytes_) {
        block.read = block.write = 0;  // the queue is empty: start the block again
      } else {
        Retire(block);
        blocks_.pop_front();
      }
    }
  }
  size_ -= count;
}

}  // namespace traceassist::analytics
