// `traceassist instrument | uninstrument | detect`: the command-line shell around the instrument
// library.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "files.h"
#include "image_inspector.h"
#include "output.h"
#include "parallel_rewrite.h"
#include "registry_flags.h"
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
  std::string output = "text";  // -o/--output: the report's format
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
  bool inspect_images = false;
  RegistryFlags registry;
};

// With --inspect-images, the detector's image lookup asks a traceassist-server child (see
// image_inspector.h); null without it.
std::unique_ptr<ImageInspector> AttachInspector(const Settings& s, ti::Options& options) {
  if (!s.inspect_images) return nullptr;
  auto inspector = std::make_unique<ImageInspector>(RegistryArgs(s.registry));
  options.image_facts = [raw = inspector.get()](std::string_view reference) {
    return raw->Lookup(reference);
  };
  return inspector;
}

// Images that gave no facts, after the report (never credentials: the server's messages hold none).
void ReportInspection(ImageInspector* inspector) {
  if (inspector == nullptr) return;
  for (const auto& note : inspector->Notes())
    std::cerr << "traceassist: image inspection: " << note << '\n';
}

bool BuildOptions(const Settings& s, ti::Action action, ti::Options& o) {
  o.action = action;
  if (ti::Status st = ti::ValidateInstrumentationRef(s.instrumentation); !st.ok()) {
    std::cerr << "traceassist: --instrumentation: " << st.message() << '\n';
    return false;
  }
  o.instrumentation = s.instrumentation;
  if (!s.language.empty()) {
    o.language = ti::ParseLanguageOverride(s.language);
    if (!o.language) {
      std::cerr << fmt::format("traceassist: --language: unknown language `{}`\n", s.language);
      return false;
    }
  }
  for (const auto& entry : s.container_languages) {
    auto parsed = ti::ParseContainerLanguage(entry);
    if (!parsed) {
      std::cerr << fmt::format(
          "traceassist: --container-language: expected NAME=LANGUAGE, got `{}`\n", entry);
      return false;
    }
    o.container_languages[std::move(parsed->first)] = parsed->second;
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
  cmd->add_flag("--inspect-images", s.inspect_images,
                "Read each image's config from its registry when the manifest does not tell the "
                "language (off by default; runs traceassist-server)")
      ->group("Image inspection");
  AddRegistryFlags(cmd, s.registry);
}

// The errors of one run: printed at once as text, or gathered for the JSON/YAML report, where they
// then are the only place they appear.
class Errors {
 public:
  explicit Errors(ReportFormat format) : format_(format) {}
  void Add(const std::string& file, const std::string& message) {
    Record(file, message, {}, message);
  }
  void Add(const std::string& file, const ti::Status& status) {
    Record(file, status.message(), status.where(), status.ToString());
  }
  bool empty() const { return list_.empty(); }
  nlohmann::json json() const { return list_; }

 private:
  void Record(const std::string& file, const std::string& message, const ti::Location& where,
              const std::string& text) {
    if (format_ == ReportFormat::kText)
      std::cerr << fmt::format("traceassist: {}: {}\n", file, text);
    list_.push_back({{"file", file},
                     {"message", message},
                     {"document", where.document},
                     {"line", where.line},
                     {"column", where.column}});
  }

  ReportFormat format_;
  nlohmann::json list_ = nlohmann::json::array();
};

std::string DisplayName(const std::string& path) { return path == "-" ? "<stdin>" : path; }

// The --rules file is an input like the manifests: a missing or invalid one is an input error, in
// the report's errors when the report is structured.
bool LoadRules(const Settings& s, ti::Options& o, Errors& errors) {
  if (s.rules_file.empty()) return true;
  std::string text, error;
  if (!ReadInput(s.rules_file, text, error)) {
    errors.Add(DisplayName(s.rules_file), error);
    return false;
  }
  auto loaded = ti::LoadDetectionRules(text);
  if (!loaded.ok()) {
    errors.Add(DisplayName(s.rules_file), loaded.status());
    return false;
  }
  o.rules = loaded.value();
  return true;
}

// The paths named on the command line, directories expanded; standard input when none is named,
// unless it is a terminal (a user who typed no file is not left waiting on a silent prompt).
bool CollectPaths(const Settings& s, std::vector<std::string>& paths, Errors& errors) {
  if (s.inputs.empty() && ::isatty(STDIN_FILENO)) {
    std::cerr << "traceassist: no input: name files or directories, or `-` to read standard input "
                 "(standard input is a terminal)\n";
    return false;
  }
  std::vector<InputError> found;
  ExpandInputs(s.inputs.empty() ? std::vector<std::string>{"-"} : s.inputs, paths, found);
  for (const auto& e : found) errors.Add(e.file, e.message);
  return true;
}

// What instrument and detect settle before reading any input.
struct Run {
  explicit Run(ReportFormat f) : format(f), errors(f) {}
  ti::Options options;
  std::unique_ptr<ImageInspector> inspector;
  ReportFormat format;
  Errors errors;
  std::vector<std::string> paths;  // none when the --rules file could not be read
};

// Null on a usage error (already printed).
std::unique_ptr<Run> StartRun(const Settings& s, ti::Action action) {
  auto run = std::make_unique<Run>(ParseReportFormat(s.output));
  if (!BuildOptions(s, action, run->options)) return nullptr;
  const bool manifests_on_stdin =
      s.inputs.empty() || std::count(s.inputs.begin(), s.inputs.end(), "-") > 0;
  if (s.rules_file == "-" && manifests_on_stdin) {
    std::cerr << "traceassist: --rules - and the manifests cannot both be read from standard "
                 "input: name a file for one of them\n";
    return nullptr;
  }
  run->inspector = AttachInspector(s, run->options);
  const bool rules_ok = LoadRules(s, run->options, run->errors);
  if (!CollectPaths(s, run->paths, run->errors)) return nullptr;
  if (s.in_place && std::count(run->paths.begin(), run->paths.end(), "-") > 0) {
    std::cerr << "traceassist: -i needs files, not standard input\n";
    return nullptr;
  }
  if (!rules_ok) run->paths.clear();  // nothing is read without the rules asked for
  return run;
}

// One input, read and rewritten; nothing is written anywhere until every input has been.
struct Rewritten {
  std::string path;
  std::string input;
  ti::RewriteOutput out;
};

// Several inputs form one stream on stdout: each starts a new document.
void WriteJoined(const std::vector<Rewritten>& done) {
  char last = '\n';
  bool written = false;
  for (const auto& r : done) {
    if (r.out.text.empty()) continue;
    if (written) WriteStdout(last != '\n' ? "\n---\n" : "---\n");
    WriteStdout(r.out.text);
    written = true;
    last = r.out.text.back();
  }
}

void TagWithFile(nlohmann::json& report, const std::string& file) {
  for (auto& o : report["objects"]) o["file"] = file;
  for (auto& w : report["warnings"]) w["file"] = file;
}

int RunInstrument(const Settings& s, ti::Action action) {
  const auto run = StartRun(s, action);
  if (!run) return kExitUsage;
  auto& [options, inspector, format, errors, paths] = *run;
  // All or nothing: every input is read and rewritten before anything is written.
  std::vector<Rewritten> done;
  for (const auto& path : paths) {
    Rewritten r{path, {}, {}};
    std::string error;
    if (!ReadInput(path, r.input, error)) {
      errors.Add(DisplayName(path), error);
      continue;
    }
    auto result = RewriteInParallel(r.input, options);
    if (!result.ok()) {
      errors.Add(DisplayName(path), result.status());
      continue;
    }
    r.out = std::move(result).value();
    done.push_back(std::move(r));
  }
  const bool inputs_ok = errors.empty();
  if (inputs_ok) {
    try {
      if (s.diff) {
        for (const auto& r : done) {
          const std::string name = r.path == "-" ? "stdin" : r.path;
          WriteStdout(ti::UnifiedDiff(r.input, r.out.text, "a/" + name, "b/" + name));
        }
      } else if (s.in_place) {
        for (const auto& r : done) {
          std::string error;
          if (r.out.text != r.input && !WriteInPlace(r.path, r.out.text, error))
            errors.Add(DisplayName(r.path), "not written: " + error);
        }
      } else if (!s.check) {
        WriteJoined(done);
      }
    } catch (const OutputError& e) {
      // A structured report holds every error, this one too; text reports say it as Run() does.
      if (format == ReportFormat::kText) throw;
      errors.Add("<stdout>", fmt::format("cannot write to standard output: {}", e.what()));
    }
  }
  // The report follows the output, as a reader of both on one terminal expects.
  bool changes = false;
  nlohmann::json report = {{"changes_made", false},
                           {"objects", nlohmann::json::array()},
                           {"warnings", nlohmann::json::array()}};
  for (const auto& r : done) {
    changes |= r.out.text != r.input;
    if (format == ReportFormat::kText) {
      const bool named = paths.size() > 1 || r.path != "-";
      const bool nothing_written = s.check || !inputs_ok;
      std::cerr << ti::ToText(r.out.report, named ? DisplayName(r.path) : "", nothing_written);
      continue;
    }
    nlohmann::json j = ti::ToJson(r.out.report);
    TagWithFile(j, DisplayName(r.path));
    for (auto& o : j["objects"]) report["objects"].push_back(std::move(o));
    for (auto& w : j["warnings"]) report["warnings"].push_back(std::move(w));
  }
  if (format != ReportFormat::kText) {
    report["changes_made"] = changes && errors.empty();
    report["errors"] = errors.json();
    if (inspector) report["image_inspection"] = inspector->Notes();
    std::cerr << RenderStructured(report, format);
  } else {
    ReportInspection(inspector.get());
  }
  if (!errors.empty()) return kExitInputError;
  if (s.check && changes) return kExitChangesNeeded;
  return kExitOk;
}

int RunDetect(const Settings& s) {
  const auto run = StartRun(s, ti::Action::kInstrument);
  if (!run) return kExitUsage;
  auto& [options, inspector, format, errors, paths] = *run;
  std::string text;
  nlohmann::json objects = nlohmann::json::array();
  for (const auto& path : paths) {
    std::string input, error;
    if (!ReadInput(path, input, error)) {
      errors.Add(DisplayName(path), error);
      continue;
    }
    auto result = ti::DetectManifests(input, options);
    if (!result.ok()) {
      errors.Add(DisplayName(path), result.status());
      continue;
    }
    // A key TraceAssist reads written twice (the detection may not be what runs) is said on
    // stderr; detect's other reasons are instrument's to report.
    for (const auto& w : result.value().warnings) {
      if (w.code == ti::ToString(ti::Reason::kUnsupportedLayout))
        std::cerr << fmt::format("{}: warning: {} {}\n", DisplayName(path), w.object, w.message);
    }
    if (format == ReportFormat::kText) {
      if (paths.size() > 1) text += "# " + DisplayName(path) + '\n';
      text += ti::ToDetectText(result.value());
      continue;
    }
    nlohmann::json found = ti::ToDetectJson(result.value());
    for (auto& o : found["objects"]) {
      o["file"] = DisplayName(path);
      objects.push_back(std::move(o));
    }
  }
  if (format != ReportFormat::kText) {
    WriteStdout(RenderStructured({{"objects", objects}, {"errors", errors.json()}}, format));
  } else if (errors.empty()) {
    WriteStdout(text);
  }
  ReportInspection(inspector.get());
  return errors.empty() ? kExitOk : kExitInputError;
}
constexpr const char* kRewriteExitCodes = R"(
Exit codes: 0 done; 1 an input could not be used (then nothing is written); 2 usage error;
3 --check found changes to make.
)";
constexpr const char* kDetectExitCodes = R"(
Exit codes: 0 done; 1 an input could not be used (then nothing is printed but errors); 2 usage error.
)";

constexpr const char* kInstrumentFooter = R"(
Examples:
  traceassist instrument deploy.yaml > instrumented.yaml
  traceassist instrument -i k8s/                 # rewrite every manifest under k8s/ in place
  kustomize build . | traceassist instrument - | kubectl apply -f -
  traceassist instrument --check -o json k8s/    # CI: exit 3 when something needs instrumenting
)";

constexpr const char* kUninstrumentFooter = R"(
Examples:
  traceassist uninstrument -i k8s/
  traceassist uninstrument --diff deploy.yaml
)";

constexpr const char* kDetectFooter = R"(
Examples:
  traceassist detect deploy.yaml
  helm template my-chart | traceassist detect -o json -
)";

}  // namespace

void RegisterInstrumentCommands(CLI::App& app, int& exit_code) {
  auto settings = std::make_shared<Settings>();
  Settings& s = *settings;
  auto add_output = [&s](CLI::App* cmd, const char* names, const char* where) {
    cmd->add_option(names, s.output, fmt::format("Report format{}: text, json or yaml", where))
        ->check(CLI::IsMember({"text", "json", "yaml"}));
  };

  // The flags instrument and uninstrument share: inputs and where the result goes.
  auto add_rewrite_flags = [&](CLI::App* cmd, const char* check_help) {
    cmd->add_option("inputs", s.inputs,
                    "Files or directories (*.yaml, *.yml, *.json); - for stdin");
    auto* in_place = cmd->add_flag("-i,--in-place", s.in_place,
                                   "Rewrite the files in place (atomically; links followed)");
    auto* diff = cmd->add_flag("--diff", s.diff, "Print a unified diff instead of the manifests");
    auto* check = cmd->add_flag("--check", s.check, check_help);
    in_place->excludes(diff)->excludes(check);
    add_output(cmd, "-o,--output,--report", " (on stderr)");
  };

  auto* instrument =
      app.add_subcommand("instrument", "Add OpenTelemetry auto-instrumentation annotations");
  add_rewrite_flags(instrument, "Print nothing but the report; exit 3 when a change is needed");
  instrument->add_flag("--remove", s.remove,
                       "Remove the annotations TraceAssist wrote (same as uninstrument)");
  AddPolicyFlags(instrument, s);
  instrument->footer(std::string(kInstrumentFooter) + kRewriteExitCodes);
  instrument->callback([&exit_code, settings] {
    exit_code =
        RunInstrument(*settings, settings->remove ? ti::Action::kRemove : ti::Action::kInstrument);
  });

  auto* uninstrument =
      app.add_subcommand("uninstrument", "Remove exactly the annotations TraceAssist wrote");
  add_rewrite_flags(uninstrument, "Exit 3 when TraceAssist annotations are present");
  uninstrument->footer(std::string(kUninstrumentFooter) + kRewriteExitCodes);
  uninstrument->callback(
      [&exit_code, settings] { exit_code = RunInstrument(*settings, ti::Action::kRemove); });

  auto* detect =
      app.add_subcommand("detect", "Show each container's language and the evidence for it");
  detect->add_option("inputs", s.inputs, "Files or directories; - for stdin");
  add_output(detect, "-o,--output,--format", "");
  AddPolicyFlags(detect, s);
  detect->footer(std::string(kDetectFooter) + kDetectExitCodes);
  detect->callback([&exit_code, settings] { exit_code = RunDetect(*settings); });
}

}  // namespace traceassist::cmd
