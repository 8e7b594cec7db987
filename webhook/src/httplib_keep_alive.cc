// Our replacement for cpp-httplib's `detail::keep_alive`, written for cpp-httplib 0.11.4 (Debian
// 12's libcpp-httplib-dev); the static_assert stops the build on any other version, whose
// keep-alive loop must be read again before this override is kept.
#include <httplib.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <string_view>

static_assert(std::string_view(CPPHTTPLIB_VERSION) == "0.11.4",
              "httplib_keep_alive.cc replaces httplib::detail::keep_alive of cpp-httplib 0.11.4: "
              "check the new version's keep-alive wait before building with it");

// cpp-httplib 0.11.4 waits for a keep-alive connection's next request in `detail::keep_alive`: a 10
// ms poll, then a 1 ms sleep, again and again until the idle timeout. Each connection whose client
// takes longer than 10 ms between requests thus wakes ~90 times a second: at 256 connections on 2
// cores that is ~37k context switches/s, and the API served half the requests per CPU second it
// serves at 32 (bench/RESULTS.md). The library calls the function through its PLT, so this
// definition (exported from the executable: webhook/CMakeLists.txt) replaces it: one poll for the
// whole remaining timeout. Same contract: true when the socket is readable (or closed: the read
// that follows sees it), false when the timeout passes or poll fails.
// test/webhook/serve_process_test.cc counts the wakeups.
namespace httplib::detail {
bool keep_alive(int sock, long keep_alive_timeout_sec) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(keep_alive_timeout_sec);
  pollfd fd{sock, POLLIN, 0};
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    const int ready = ::poll(&fd, 1, static_cast<int>(left));
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
}
}  // namespace httplib::detail
