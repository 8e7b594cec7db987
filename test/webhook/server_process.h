// Test support: runs the real `traceassist serve` binary on an ephemeral port (--port 0; the bound
// port is read from its "listening" log line), and raw TCP connections for slow or malformed
// clients.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sanitizers.h"

namespace traceassist::test {

class ServerProcess {
 public:
  // Starts `traceassist serve --port 0 <args>` with `env` added to the environment and waits
  // (polling its log, at most 10 s) until it listens. Throws std::runtime_error when it does not.
  explicit ServerProcess(std::map<std::string, std::string> env = {},
                         std::vector<std::string> args = {});
  ~ServerProcess();  // SIGKILL if still running

  int port() const { return port_; }
  int tls_port() const { return tls_port_; }
  pid_t pid() const { return pid_; }
  void Signal(int signal_number) const { ::kill(pid_, signal_number); }
  // Waits for the process to exit (at most `timeout`); its exit code, or nullopt on timeout/crash.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // Everything the process wrote to stdout and stderr so far.
  std::string Output() const;

 private:
  pid_t pid_ = -1;
  int port_ = -1;
  int tls_port_ = -1;
  int out_fd_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string output_;
  bool exited_ = false;
};

// Runs the binary to completion (for start-up failures); returns {exit code, stdout+stderr}.
std::pair<int, std::string> RunBinary(const std::vector<std::string>& args,
                                      const std::map<std::string, std::string>& env,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A plain TCP connection to 127.0.0.1.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  bool ok() const { return fd_ >= 0; }
  bool Send(std::string_view bytes);
  // Reads until `until` appears in what was read (empty: until some bytes arrived), the peer
  // closes, or the timeout; returns the bytes.
  std::string Read(std::chrono::milliseconds timeout, std::string_view until = {});
  // Reads one whole HTTP response (headers and Content-Length body).
  std::string ReadResponse(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// The status code of a raw HTTP response ("HTTP/1.1 200 OK..."), or -1.
int StatusOf(std::string_view response);

}  // namespace traceassist::test
