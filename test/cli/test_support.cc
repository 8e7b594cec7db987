#include "test_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace traceassist::testing {
namespace fs = std::filesystem;

namespace {

// A temporary file removed when the object goes out of scope.
class TempFile {
 public:
  TempFile() {
    std::string pattern = (fs::temp_directory_path() / "traceassist-test-XXXXXX").string();
    fd_ = mkstemp(pattern.data());
    if (fd_ < 0) throw std::runtime_error("mkstemp: " + std::string(std::strerror(errno)));
    path_ = pattern;
  }
  ~TempFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace

ProcessResult RunTraceassist(const std::vector<std::string>& args, const fs::path& cwd,
                             const std::optional<std::string>& stdin_data) {
  TempFile out_file, err_file, in_file;
  if (stdin_data) WriteFile(in_file.path(), *stdin_data);

  std::vector<std::string> argv_strings{TRACEASSIST_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_data ? in_file.path().c_str() : "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.path().c_str(), O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.path().c_str(), O_WRONLY | O_TRUNC, 0);
  const std::string cwd_string = cwd.string();
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd_string.c_str());
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw std::runtime_error("posix_spawn " + argv_strings[0] + ": " + std::strerror(rc));

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid: " + std::string(std::strerror(errno)));
  }
  ProcessResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadFile(out_file.path());
  result.err = ReadFile(err_file.path());
  return result;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

fs::path DataDir() { return fs::path(TRACEASSIST_TEST_DATA_DIR); }

std::vector<Fixture> ListFixtures() {
  std::vector<Fixture> fixtures;
  for (const auto& entry : fs::directory_iterator(DataDir())) {
    const std::string file = entry.path().filename().string();
    const auto marker = file.find(".input.");
    if (marker == std::string::npos) continue;
    Fixture f;
    f.name = file.substr(0, marker);
    const std::string ext = file.substr(marker + 7);  // "yaml" or "json"
    f.input = entry.path();
    f.golden = DataDir() / (f.name + ".golden." + ext);
    f.report = DataDir() / (f.name + ".report.json");
    const fs::path args_file = DataDir() / (f.name + ".args");
    if (fs::exists(args_file)) {
      std::istringstream lines(ReadFile(args_file));
      for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        for (auto at = line.find("@DATA@"); at != std::string::npos; at = line.find("@DATA@")) {
          line.replace(at, 6, DataDir().string());
        }
        f.args.push_back(line);
      }
    }
    fixtures.push_back(std::move(f));
  }
  std::sort(fixtures.begin(), fixtures.end(),
            [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
  return fixtures;
}

std::vector<fs::path> ListCorpusFiles() {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(TRACEASSIST_CORPUS_DIR) / "files";
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> InstrumentArgs(const Fixture& fixture) {
  std::vector<std::string> args{"instrument"};
  args.insert(args.end(), fixture.args.begin(), fixture.args.end());
  args.push_back("--report");
  args.push_back("json");
  args.push_back(fixture.input.filename().string());
  return args;
}

}  // namespace traceassist::testing
