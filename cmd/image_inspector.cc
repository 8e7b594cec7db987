#include "image_inspector.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "traceassist/registry/image_facts_json.h"

extern char** environ;

namespace traceassist::cmd {

ImageInspector::ImageInspector(std::vector<std::string> args) : args_(std::move(args)) {}

ImageInspector::~ImageInspector() {
  if (to_server_ != nullptr) std::fclose(to_server_);  // EOF: the server's loop ends
  if (from_server_ != nullptr) std::fclose(from_server_);
  if (pid_ > 0) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

bool ImageInspector::Start() {
  int down[2], up[2];
  if (::pipe2(down, O_CLOEXEC) != 0) return false;
  if (::pipe2(up, O_CLOEXEC) != 0) {
    ::close(down[0]);
    ::close(down[1]);
    return false;
  }
  const std::string binary = ServerBinary();
  std::vector<std::string> argv_text = {binary, kInspectImages.name};
  argv_text.insert(argv_text.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, down[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, up[1], STDOUT_FILENO);
  const int error =
      binary.find('/') == std::string::npos
          ? posix_spawnp(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ)
          : posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(down[0]);
  ::close(up[1]);
  if (error != 0) {
    pid_ = -1;
    ::close(down[1]);
    ::close(up[0]);
    notes_.push_back("image inspection: cannot run " + binary + ": " + std::strerror(error));
    return false;
  }
  to_server_ = ::fdopen(down[1], "w");
  from_server_ = ::fdopen(up[0], "r");
  return to_server_ != nullptr && from_server_ != nullptr;
}

const instrument::ImageFacts* ImageInspector::Lookup(std::string_view reference) {
  std::lock_guard lock(mu_);
  if (const auto it = answers_.find(reference); it != answers_.end()) return it->second.get();
  auto& answer = answers_[std::string(reference)];
  if (broken_ || reference.find('\n') != std::string_view::npos) return nullptr;
  if (pid_ < 0 && !Start()) {
    broken_ = true;
    return nullptr;
  }
  std::fprintf(to_server_, "%.*s\n", static_cast<int>(reference.size()), reference.data());
  std::fflush(to_server_);
  std::string line;
  for (int c; (c = std::fgetc(from_server_)) != EOF && c != '\n';)
    line.push_back(static_cast<char>(c));
  const auto json = nlohmann::json::parse(line, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    broken_ = true;
    notes_.push_back("image inspection: the server stopped answering (see its messages above)");
    return nullptr;
  }
  if (json.contains("facts") && json["facts"].is_object())
    answer = registry::ImageFactsFromJson(json["facts"]);
  if (!answer) {
    notes_.push_back(std::string(reference) + ": " + json.value("outcome", "error") + ": " +
                     json.value("message", ""));
  }
  return answer.get();
}

std::vector<std::string> ImageInspector::Notes() {
  std::lock_guard lock(mu_);
  return notes_;
}

}  // namespace traceassist::cmd
