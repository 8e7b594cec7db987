#include "connection_guard.h"

#include <httplib.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <chrono>
#include <string_view>

#include "traceassist/common/json_log.h"

// Written for cpp-httplib 0.11.4 (Debian 12's libcpp-httplib-dev): another version's stream, read
// and keep-alive loops must be read again before these replacements are kept.
static_assert(
    std::string_view(CPPHTTPLIB_VERSION) == "0.11.4",
    "connection_guard.cc replaces functions of cpp-httplib 0.11.4: check the new version");

namespace traceassist::webhook::connection {
namespace {

using Clock = std::chrono::steady_clock;

enum class Phase { kIdle, kHeaders, kBody };

struct State {
  Phase phase = Phase::kIdle;
  Clock::time_point deadline = Clock::time_point::max();
  std::chrono::milliseconds header_time{0};
  std::chrono::milliseconds body_time{0};
  int blank_line = 0;        // progress through "\n\r\n", the end of a request's headers
  bool body_capped = false;  // Content-Length body: reads stop at its end
  std::uint64_t body_left = 0;
  bool close = false;
  bool deadline_passed = false;
  const SSL* ssl = nullptr;
};
thread_local State tls_state;

// A deadline of 0 is none: threads that serve httplib connections outside a Server (tests' own
// listeners) never call Begin().
Clock::time_point DeadlineIn(std::chrono::milliseconds time) {
  return time.count() > 0 ? Clock::now() + time : Clock::time_point::max();
}

void StartHeaders(State& s) {
  s.phase = Phase::kHeaders;
  s.deadline = DeadlineIn(s.header_time);
  s.blank_line = 0;
  s.deadline_passed = false;
}

void Idle(State& s) {
  s.phase = Phase::kIdle;
  s.deadline = Clock::time_point::max();
}

ssize_t Recv(int sock, void* ptr, std::size_t size, int flags) {
  ssize_t n;
  do {
    n = ::recv(sock, ptr, size, flags);
  } while (n < 0 && errno == EINTR);
  return n;
}

}  // namespace

void Begin(long header_ms, long body_ms) {
  State& s = tls_state;
  s = State{};
  s.header_time = std::chrono::milliseconds(header_ms);
  s.body_time = std::chrono::milliseconds(body_ms);
  StartHeaders(s);  // a TLS handshake counts as part of the first request's headers
}

void HeadersRead(const SSL* ssl, std::optional<std::uint64_t> content_length, bool chunked) {
  State& s = tls_state;
  s.ssl = ssl;
  s.deadline_passed = false;
  if (!chunked && content_length.value_or(0) == 0) return Idle(s);
  s.phase = Phase::kBody;
  s.deadline = DeadlineIn(s.body_time);
  s.body_capped = !chunked;
  s.body_left = content_length.value_or(0);
}

void BodyRead() { Idle(tls_state); }

void CloseAfterResponse() { tls_state.close = true; }

bool DeadlinePassed() { return tls_state.deadline_passed; }

}  // namespace traceassist::webhook::connection

// The replacements (see the header). Same contracts as the library's own functions.
namespace httplib::detail {

using traceassist::webhook::connection::Phase;
using traceassist::webhook::connection::tls_state;

ssize_t select_read(int sock, long sec, long usec) {
  auto& s = tls_state;
  auto timeout = std::chrono::milliseconds(sec * 1000 + usec / 1000);
  const bool bounded = s.deadline != std::chrono::steady_clock::time_point::max();
  if (bounded) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(s.deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || left < timeout) timeout = std::max(left, std::chrono::milliseconds(0));
  }
  pollfd fd{sock, POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&fd, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready == 0 && bounded && std::chrono::steady_clock::now() >= s.deadline &&
      !s.deadline_passed) {
    s.deadline_passed = true;
    traceassist::common::LogEvent(
        traceassist::common::LogLevel::kWarn, "request deadline passed; closing the connection",
        {{"phase", s.phase == Phase::kBody ? "body" : "headers"},
         {"deadline_ms", (s.phase == Phase::kBody ? s.body_time : s.header_time).count()}});
  }
  return ready;
}

ssize_t read_socket(int sock, void* ptr, std::size_t size, int flags) {
  auto& s = tls_state;
  if (s.phase == Phase::kHeaders && size > 0) {
    // Look first, then take the bytes up to the blank line that ends the headers.
    const ssize_t seen = traceassist::webhook::connection::Recv(sock, ptr, size, flags | MSG_PEEK);
    if (seen <= 0) return seen;
    const char* bytes = static_cast<const char*>(ptr);
    std::size_t take = static_cast<std::size_t>(seen);
    for (std::size_t i = 0; i < take; ++i) {
      const char c = bytes[i];
      if (c == '\n') {
        if (s.blank_line == 2) {
          take = i + 1;
          s.phase = Phase::kIdle;  // until HeadersRead() says what follows
          break;
        }
        s.blank_line = 1;
      } else {
        s.blank_line = (c == '\r' && s.blank_line == 1) ? 2 : 0;
      }
    }
    return traceassist::webhook::connection::Recv(sock, ptr, take, flags);
  }
  if (s.phase == Phase::kBody && s.body_capped && s.body_left > 0) {
    if (size > s.body_left) size = static_cast<std::size_t>(s.body_left);
    const ssize_t n = traceassist::webhook::connection::Recv(sock, ptr, size, flags);
    if (n > 0) s.body_left -= static_cast<std::uint64_t>(n);
    return n;
  }
  return traceassist::webhook::connection::Recv(sock, ptr, size, flags);
}

// cpp-httplib 0.11.4 waits for a keep-alive connection's next request with a 10 ms poll, then a
// 1 ms sleep, again and again until the idle timeout: at 256 connections on 2 cores ~37k context
// switches/s (bench/RESULTS.md). Here: one poll for the whole remaining timeout.
// test/webhook/serve_process_test.cc counts the wakeups. True when the next request may be read.
bool keep_alive(int sock, long keep_alive_timeout_sec) {
  using Clock = std::chrono::steady_clock;
  auto& s = tls_state;
  s.phase = Phase::kIdle;
  s.deadline = Clock::time_point::max();
  if (s.close) return false;
  if (s.ssl != nullptr && SSL_pending(s.ssl) > 0) {
    traceassist::webhook::connection::StartHeaders(s);
    return true;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(keep_alive_timeout_sec);
  pollfd fd{sock, POLLIN, 0};
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    const int ready = ::poll(&fd, 1, static_cast<int>(left));
    if (ready > 0) {
      traceassist::webhook::connection::StartHeaders(s);
      return true;
    }
    if (ready == 0 || errno != EINTR) return false;
  }
}

}  // namespace httplib::detail
