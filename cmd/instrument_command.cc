// `traceassist instrument | uninstrument | detect`: the command-line shell around the instrument
// library.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "commands.h"
#include "traceassist/instrument/detector.h"
#include "traceassist/instrument/diff.h"
#include "traceassist/instrument/rewrite.h"

namespace traceassist::cmd {
namespace {

namespace fs = std::filesystem;
namespace ti = traceassist::instrument;

struct Settings {
  std::vector<std::string> inputs;
  bool in_place = false;
  bool diff = false;
  bool check = false;
  std::string report_format = "text";
  std::string detect_format = "text";
  std::string instrumentation = "true";
  std::string language;
  std::vector<std::string> container_languages;
  bool enable_go = false;
  bool enable_nginx = false;
  bool init_containers = false;
  bool no_multi = false;
  std::string rules_file;
  std::string min_confidence = "medium";
  bool remove = false;
};

struct Input {
  std::string name;  // the path, or "-" for stdin
  std::string text;
};

// Reads into `buffer` until it holds `size` bytes or the input ends; false on a read error.
bool Fill(int fd, char* buffer, std::size_t size, std::size_t& filled) {
  filled = 0;
  while (filled < size) {
    const ssize_t n = ::read(fd, buffer + filled, size - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads everything from `fd` into `out`. A regular file is read straight into `out` (its size plus
// one byte, to see that it ended); a pipe, or a file that grew meanwhile, in 1 MiB chunks joined
// once at the end, so the content is never held more than twice (a growing string would briefly
// hold 3x).
bool ReadAll(int fd, std::string& out) {
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    out.resize(static_cast<std::size_t>(st.st_size) + 1);
    std::size_t filled = 0;
    if (!Fill(fd, out.data(), out.size(), filled)) return false;
    const bool ended = filled < out.size();
    out.resize(filled);
    if (ended) return true;
  }
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  const auto buffer = std::make_unique_for_overwrite<char[]>(kChunk);
  std::vector<std::string> chunks;
  std::size_t total = out.size();
  for (std::size_t filled = kChunk; filled == kChunk;) {
    if (!Fill(fd, buffer.get(), kChunk, filled)) return false;
    chunks.emplace_back(buffer.get(), filled);
    total += filled;
  }
  out.reserve(total);
  for (auto& c : chunks) {
    out += c;
    std::string().swap(c);
  }
  return true;
}

bool ManifestFile(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Expands directories (recursively, *.yaml/*.yml/*.json, sorted) and keeps files and "-" as given.
bool ExpandInputs(const std::vector<std::string>& args, std::vector<std::string>& paths) {
  bool ok = true;
  for (const auto& arg : args) {
    if (arg == "-") {
      paths.push_back(arg);
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file() && ManifestFile(it->path())) found.push_back(it->path().string());
      }
      if (ec) {
        std::cerr << fmt::format("traceassist: {}: {}\n", arg, ec.message());
        ok = false;
      }
      std::sort(found.begin(), found.end());
      paths.insert(paths.end(), found.begin(), found.end());
    } else if (fs::exists(arg, ec)) {
      paths.push_back(arg);
    } else {
      std::cerr << fmt::format("traceassist: {}: no such file or directory\n", arg);
      ok = false;
    }
  }
  return ok;
}

bool Load(const std::string& path, Input& input) {
  input.name = path;
  const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::cerr << fmt::format("traceassist: {}: {}\n", path, std::strerror(errno));
    return false;
  }
  const bool ok = ReadAll(fd, input.text);
  const int read_errno = errno;
  if (fd != STDIN_FILENO) ::close(fd);
  if (!ok) {
    std::cerr << fmt::format("traceassist: {}: read error: {}\n", path, std::strerror(read_errno));
    return false;
  }
  return true;
}

// Writes `text` to `path` atomically: a temporary file in the same directory with the original's
// permissions, flushed, then renamed over it. On any failure the original is untouched.
bool WriteAtomically(const std::string& path, const std::string& text, std::string& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  std::string tmp = path + ".traceassist-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    error = fmt::format("cannot create a temporary file: {}", std::strerror(errno));
    return false;
  }
  auto fail = [&](const char* what) {
    error = fmt::format("{}: {}", what, std::strerror(errno));
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };
  if (::fchmod(fd, st.st_mode & 07777) != 0) return fail("cannot set permissions");
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write failed");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("fsync failed");
  if (::close(fd) != 0) {
    error = fmt::format("close failed: {}", std::strerror(errno));
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = fmt::format("rename failed: {}", std::strerror(errno));
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool BuildOptions(const Settings& s, ti::Action action, ti::Options& o) {
  o.action = action;
  if (ti::Status st = ti::ValidateInstrumentationRef(s.instrumentation); !st.ok()) {
    std::cerr << "traceassist: --instrumentation: " << st.message() << '\n';
    return false;
  }
  o.instrumentation = s.instrumentation;
  if (!s.language.empty()) {
    o.language = ti::ParseLanguage(s.language);
    if (!o.language || *o.language == ti::Language::kUnknown) {
      std::cerr << fmt::format("traceassist: --language: unknown language `{}`\n", s.language);
      return false;
    }
  }
  for (const auto& entry : s.container_languages) {
    const auto eq = entry.find('=');
    const auto lang =
        eq == std::string::npos ? std::nullopt : ti::ParseLanguage(entry.substr(eq + 1));
    if (!lang || *lang == ti::Language::kUnknown || eq == 0) {
      std::cerr << fmt::format(
          "traceassist: --container-language: expected NAME=LANGUAGE, got `{}`\n", entry);
      return false;
    }
    o.container_languages[entry.substr(0, eq)] = *lang;
  }
  o.enable_go = s.enable_go;
  o.enable_nginx = s.enable_nginx;
  o.init_containers = s.init_containers;
  o.multi_instrumentation = !s.no_multi;
  const auto conf = ti::ParseConfidence(s.min_confidence);
  if (!conf) {
    std::cerr << "traceassist: --min-confidence: expected low, medium or high\n";
    return false;
  }
  o.min_confidence = *conf;
  if (!s.rules_file.empty()) {
    Input rules;
    if (!Load(s.rules_file, rules)) return false;
    auto loaded = ti::LoadDetectionRules(rules.text);
    if (!loaded.ok()) {
      std::cerr << fmt::format("traceassist: {}: {}\n", s.rules_file, loaded.status().ToString());
      return false;
    }
    o.rules = loaded.value();
  }
  return true;
}

void AddPolicyFlags(CLI::App* cmd, Settings& s) {
  cmd->add_option(
      "--instrumentation", s.instrumentation,
      "Instrumentation resource for the inject annotations: true, NAME or NAMESPACE/NAME");
  cmd->add_option("--language", s.language,
                  "Language of every application container (overrides detection)");
  cmd->add_option("--container-language", s.container_languages,
                  "NAME=LANGUAGE for one container (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--enable-go", s.enable_go,
                "Instrument Go (privileged eBPF sidecar; needs the executable path)");
  cmd->add_flag("--enable-nginx", s.enable_nginx,
                "Instrument nginx (off by default in the Operator)");
  cmd->add_flag("--init-containers", s.init_containers,
                "Also instrument init containers (Operator >= 0.146)");
  cmd->add_flag("--no-multi-instrumentation", s.no_multi,
                "Instrument only the dominant language of a mixed pod");
  cmd->add_option("--rules", s.rules_file, "YAML file of extra detection rules");
  cmd->add_option("--min-confidence", s.min_confidence,
                  "Lowest detection confidence to instrument (low|medium|high)")
      ->check(CLI::IsMember({"low", "medium", "high"}));
}

// Large streams are split at document markers and rewritten on all cores; the pieces' results are
// joined as if the stream had been read in one pass (document numbers and error lines included).
// Threads take pieces from a shared counter. Streams under 1 MB, whose work takes milliseconds, are
// cut finer than one piece per core: a second core that starts late (an idle virtual CPU can take
// milliseconds to wake) then finds pieces left to take instead of holding up the end.
ti::Result<ti::RewriteOutput> Rewrite(std::string_view text, const ti::Options& options) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  constexpr std::size_t kParallelFrom = std::size_t{64}
                                        << 10;  // below this, threads cost more than they save
  constexpr std::size_t kFineBelow = 1'000'000;
  constexpr std::size_t kFinePieceBytes = std::size_t{16} << 10;
  if (cores < 2 || text.size() < kParallelFrom || text.size() > ti::TextLimits{}.max_bytes) {
    return ti::RewriteManifests(text, options);
  }
  const std::size_t parts =
      text.size() < kFineBelow
          ? std::clamp<std::size_t>(text.size() / kFinePieceBytes, cores, 4 * cores)
          : cores;
  const auto pieces = ti::SplitStream(text, parts);
  std::vector<std::optional<ti::Result<ti::RewriteOutput>>> results(pieces.size());
  std::vector<char> out_of_memory(pieces.size(), 0);  // an exception must not leave a worker thread
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < pieces.size(); i = next++) {
      try {
        results[i].emplace(ti::RewriteManifests(pieces[i], options));
      } catch (const std::bad_alloc&) {
        out_of_memory[i] = 1;
      }
    }
  };
  {
    std::vector<std::jthread> workers;
    for (unsigned i = 1; i < std::min<std::size_t>(cores, pieces.size()); ++i)
      workers.emplace_back(work);
    work();
  }
  if (std::find(out_of_memory.begin(), out_of_memory.end(), 1) != out_of_memory.end())
    throw std::bad_alloc();
  ti::RewriteOutput merged;
  merged.text.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (!results[i]->ok()) {
      const ti::Status& error = results[i]->status();
      ti::Location where = error.where();
      const auto before = text.substr(0, static_cast<std::size_t>(pieces[i].data() - text.data()));
      if (where.document > 0) where.document += merged.documents;
      if (where.line > 0)
        where.line += static_cast<int>(std::count(before.begin(), before.end(), '\n'));
      return ti::Status::Error(error.message(), where);
    }
    ti::AppendPiece(merged, std::move(*results[i]).value());
  }
  return merged;
}

// Writes one input's output to stdout. Several inputs form one stream: each starts a new document.
// Written as it comes (not gathered first), so that a large stream is not held twice in memory.
class JoinedOutput {
 public:
  void Write(const std::string& text) {
    if (written_) {
      std::cout << (last_ != '\n' ? "\n---\n" : "---\n");
      last_ = '\n';
    }
    std::cout << text;
    if (!text.empty()) {
      written_ = true;
      last_ = text.back();
    }
  }
  void Flush() { std::cout << std::flush; }

 private:
  bool written_ = false;
  char last_ = '\n';
};

void TagWithFile(nlohmann::json& report, const std::string& file) {
  for (auto& o : report["objects"]) o["file"] = file;
  for (auto& w : report["warnings"]) w["file"] = file;
}

// Reads each input in turn and hands it to `process(path, display_name, text)`. Returns false when
// an input could not be read (the error is printed) or `process` returned false.
template <typename Process>
bool ForEachInput(const std::vector<std::string>& paths, Process process) {
  bool ok = true;
  for (const auto& path : paths) {
    Input input;
    if (!Load(path, input)) {
      ok = false;
      continue;
    }
    ok = process(path, path == "-" ? std::string("<stdin>") : path, input.text) && ok;
  }
  return ok;
}

void PrintError(const std::string& display, const ti::Status& status) {
  std::cerr << fmt::format("traceassist: {}: {}\n", display, status.ToString());
}

int RunInstrument(const Settings& s, ti::Action action) {
  ti::Options options;
  if (!BuildOptions(s, action, options)) return kExitUsage;
  std::vector<std::string> paths;
  bool ok = ExpandInputs(s.inputs.empty() ? std::vector<std::string>{"-"} : s.inputs, paths);
  if (s.in_place && std::count(paths.begin(), paths.end(), "-") > 0) {
    std::cerr << "traceassist: -i needs files, not standard input\n";
    return kExitUsage;
  }
  const bool json_report = s.report_format == "json";
  nlohmann::json combined = {{"changes_made", false},
                             {"objects", nlohmann::json::array()},
                             {"warnings", nlohmann::json::array()},
                             {"errors", nlohmann::json::array()}};
  JoinedOutput stream;
  bool changes = false;
  ok = ForEachInput(
           paths,
           [&](const std::string& path, const std::string& display, const std::string& text) {
             auto result = Rewrite(text, options);
             if (!result.ok()) {
               PrintError(display, result.status());
               combined["errors"].push_back({{"file", display},
                                             {"message", result.status().message()},
                                             {"document", result.status().where().document},
                                             {"line", result.status().where().line},
                                             {"column", result.status().where().column}});
               return false;
             }
             const ti::RewriteOutput& out = result.value();
             const bool changed = out.text != text;
             changes |= changed;
             if (json_report) {
               nlohmann::json j = ti::ToJson(out.report);
               TagWithFile(j, display);
               for (auto& o : j["objects"]) combined["objects"].push_back(std::move(o));
               for (auto& w : j["warnings"]) combined["warnings"].push_back(std::move(w));
             } else {
               std::cerr << ti::ToText(out.report, paths.size() > 1 || path != "-" ? display : "");
             }
             if (s.diff) {
               const std::string name = path == "-" ? "stdin" : path;
               std::cout << ti::UnifiedDiff(text, out.text, "a/" + name, "b/" + name);
             } else if (s.in_place) {
               std::string error;
               if (changed && !WriteAtomically(path, out.text, error)) {
                 std::cerr << fmt::format("traceassist: {}: not written: {}\n", display, error);
                 return false;
               }
             } else if (!s.check) {
               stream.Write(out.text);
             }
             return true;
           }) &&
       ok;
  stream.Flush();
  if (json_report) {
    combined["changes_made"] = changes;
    std::cerr << combined.dump(2) << '\n';
  }
  if (!ok) return kExitInputError;
  if (s.check && changes) return kExitChangesNeeded;
  return kExitOk;
}

int RunDetect(const Settings& s) {
  ti::Options options;
  if (!BuildOptions(s, ti::Action::kInstrument, options)) return kExitUsage;
  std::vector<std::string> paths;
  bool ok = ExpandInputs(s.inputs.empty() ? std::vector<std::string>{"-"} : s.inputs, paths);
  nlohmann::json objects = nlohmann::json::array();
  ok = ForEachInput(paths,
                    [&](const std::string&, const std::string& display, const std::string& text) {
                      auto result = ti::DetectManifests(text, options);
                      if (!result.ok()) {
                        PrintError(display, result.status());
                        return false;
                      }
                      if (s.detect_format == "json") {
                        nlohmann::json j = ti::ToDetectJson(result.value());
                        for (auto& o : j["objects"]) {
                          o["file"] = display;
                          objects.push_back(std::move(o));
                        }
                      } else {
                        if (paths.size() > 1) std::cout << "# " << display << '\n';
                        std::cout << ti::ToDetectText(result.value());
                      }
                      return true;
                    }) &&
       ok;
  if (s.detect_format == "json") std::cout << nlohmann::json{{"objects", objects}}.dump(2) << '\n';
  return ok ? kExitOk : kExitInputError;
}

}  // namespace

void RegisterInstrumentCommands(CLI::App& app, int& exit_code) {
  auto settings = std::make_shared<Settings>();
  Settings& s = *settings;

  // The flags instrument and uninstrument share: inputs and where the result goes.
  auto add_rewrite_flags = [&s](CLI::App* cmd, const char* check_help) {
    cmd->add_option("inputs", s.inputs,
                    "Files or directories (*.yaml, *.yml, *.json); - or nothing for stdin");
    cmd->add_flag("-i,--in-place", s.in_place, "Rewrite the files in place (atomically)");
    cmd->add_flag("--diff", s.diff, "Print a unified diff instead of the manifests");
    cmd->add_flag("--check", s.check, check_help);
    cmd->add_option("--report", s.report_format, "Report format on stderr: text or json")
        ->check(CLI::IsMember({"text", "json"}));
  };

  auto* instrument =
      app.add_subcommand("instrument", "Add OpenTelemetry auto-instrumentation annotations");
  add_rewrite_flags(instrument, "Print nothing but the report; exit 3 when a change is needed");
  instrument->add_flag("--remove", s.remove,
                       "Remove the annotations TraceAssist wrote (same as uninstrument)");
  AddPolicyFlags(instrument, s);
  instrument->callback([&exit_code, settings] {
    exit_code =
        RunInstrument(*settings, settings->remove ? ti::Action::kRemove : ti::Action::kInstrument);
  });

  auto* uninstrument =
      app.add_subcommand("uninstrument", "Remove exactly the annotations TraceAssist wrote");
  add_rewrite_flags(uninstrument, "Exit 3 when TraceAssist annotations are present");
  uninstrument->callback(
      [&exit_code, settings] { exit_code = RunInstrument(*settings, ti::Action::kRemove); });

  auto* detect =
      app.add_subcommand("detect", "Show each container's language and the evidence for it");
  detect->add_option("inputs", s.inputs, "Files or directories; - or nothing for stdin");
  detect->add_option("--format", s.detect_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  AddPolicyFlags(detect, s);
  detect->callback([&exit_code, settings] { exit_code = RunDetect(*settings); });
}

}  // namespace traceassist::cmd
