#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <regex>
#include <stdexcept>

extern char** environ;

namespace traceassist::test {
namespace {

std::vector<std::string> Environment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    // The test controls the server's settings: drop any inherited TRACEASSIST_*/DATABASE_URL.
    const std::string name = entry.substr(0, eq);
    if (name.rfind("TRACEASSIST_", 0) == 0 || name == "DATABASE_URL") continue;
    merged[name] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) merged[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : merged) out.push_back(k + "=" + v);
  return out;
}

pid_t Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            int& out_fd) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  std::vector<std::string> argv_store = {TRACEASSIST_BINARY};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_store = Environment(env);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, TRACEASSIST_BINARY, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));
  }
  out_fd = pipe_fds[0];
  return pid;
}

std::optional<int> WaitPid(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

ServerProcess::ServerProcess(std::map<std::string, std::string> env,
                             std::vector<std::string> args) {
  std::vector<std::string> full = {"serve", "--port", "0"};
  full.insert(full.end(), args.begin(), args.end());
  pid_ = Spawn(full, env, out_fd_);
  reader_ = std::thread([this] {
    char buffer[65536];
    while (true) {
      const ssize_t n = read(out_fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      std::lock_guard lock(mu_);
      output_.append(buffer, static_cast<std::size_t>(n));
    }
  });
  static const std::regex kListening(R"re("msg":"listening".*"port":(\d+),"tls_port":(-?\d+))re");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string out = Output();
    if (std::regex_search(out, match, kListening)) {
      port_ = std::stoi(match[1]);
      tls_port_ = std::stoi(match[2]);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::string out = Output();
  if (!exited_) ::kill(pid_, SIGKILL);
  throw std::runtime_error("the server did not start listening; output:\n" + out);
}

ServerProcess::~ServerProcess() {
  if (!exited_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) close(out_fd_);
}

std::optional<int> ServerProcess::Wait(std::chrono::milliseconds timeout) {
  auto code = WaitPid(pid_, timeout);
  int status = 0;
  if (code || waitpid(pid_, &status, WNOHANG) != 0) exited_ = true;
  return code;
}

std::string ServerProcess::Output() const {
  std::lock_guard lock(mu_);
  return output_;
}

std::pair<int, std::string> RunBinary(const std::vector<std::string>& args,
                                      const std::map<std::string, std::string>& env,
                                      std::chrono::milliseconds timeout) {
  int fd = -1;
  const pid_t pid = Spawn(args, env, fd);
  std::string output;
  std::thread reader([&] {
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) output.append(buffer, n);
  });
  auto code = WaitPid(pid, timeout);
  if (!code) {
    ::kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  reader.join();
  close(fd);
  return {code.value_or(-1), output};
}

RawConnection::RawConnection(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd_);
    fd_ = -1;
    return;
  }
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string RawConnection::Read(std::chrono::milliseconds timeout, std::string_view until) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (until.empty() ? !out.empty() : out.find(until) != std::string::npos) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[65536];
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

std::string RawConnection::ReadResponse(std::chrono::milliseconds timeout) {
  std::string out = Read(timeout, "\r\n\r\n");
  const auto header_end = out.find("\r\n\r\n");
  if (header_end == std::string::npos) return out;
  static const std::regex kLength("Content-Length: (\\d+)", std::regex::icase);
  std::smatch match;
  const std::string headers = out.substr(0, header_end);
  if (std::regex_search(headers, match, kLength)) {
    const std::size_t total = header_end + 4 + std::stoul(match[1]);
    while (out.size() < total) {
      const std::string more = Read(timeout, {});
      if (more.empty()) break;
      out += more;
    }
  }
  return out;
}

int StatusOf(std::string_view response) {
  if (response.size() < 12 || response.substr(0, 5) != "HTTP/") return -1;
  return std::atoi(std::string(response.substr(9, 3)).c_str());
}

}  // namespace traceassist::test
