// Properties of `traceassist instrument` over every golden fixture and every shared corpus file:
//  1. the output re-parses (yaml-cpp LoadAll; JSON input stays valid JSON);
//  2. the parsed output equals the parsed input plus exactly the reported annotations_added and
//  minus
//     annotations_removed on each reported object's pod template (structural comparison that
//     follows aliases once: a visited set keyed by source positions);
//  3. the added annotation values are quoted strings;
//  4. where the edited maps are block style, the line diff against the input only adds lines (only
//     removes them for --remove), and added lines keep the input's CRLF line endings;
//  5. a second run over the output is byte-identical and reports changes_made false;
//  6. the annotations on every pod template TraceAssist manages follow the annotations doc §0: no
//     suffix-less inject key, no Operator marker names, container lists matching ^[a-zA-Z0-9-,]+$,
//     the nginx key spelt inject-nginx-container-names, container-names never mixed with
//     per-language lists, Go with an absolute otel-go-auto-target-exe, only valid musl/glibc
//     values;
//  7. where the rewrite only added lines to an input TraceAssist had not touched, `--remove` on the
//     output gives back the input byte for byte (uninstrument removes exactly what was written).
// The expected trees are built here from the report, independently of the library's own code.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "test_support.h"

namespace traceassist::testing {
namespace {
namespace fs = std::filesystem;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Keys from the object root to the pod template (a Pod is its own template).
std::vector<std::string> TemplatePath(const std::string& kind) {
  if (kind == "Pod") return {};
  if (kind == "CronJob") return {"spec", "jobTemplate", "spec", "template"};
  return {"spec", "template"};
}

// The value of `key` in a map, or a null node when `node` is no map or lacks the key (yaml-cpp's
// missing-key "zombie" nodes throw on every type query).
YAML::Node Get(const YAML::Node& node, const std::string& key) {
  if (!node.IsMap()) return YAML::Node();
  const YAML::Node value = node[key];
  return value.IsDefined() ? value : YAML::Node();
}

bool Has(const YAML::Node& node, const std::string& key) {
  return node.IsMap() && node[key].IsDefined();
}

std::string ScalarOf(const YAML::Node& node) { return node.IsScalar() ? node.Scalar() : ""; }

std::string ObjectName(const YAML::Node& object) {
  const YAML::Node metadata = Get(object, "metadata");
  const YAML::Node name = Get(metadata, "name");
  return name.IsScalar() ? name.Scalar() : ScalarOf(Get(metadata, "generateName"));
}

bool IsObject(const YAML::Node& node, const std::string& kind, const std::string& name) {
  return ScalarOf(Get(node, "kind")) == kind && ObjectName(node) == name;
}

// The reported object in the parsed document (the document itself or an item of a *List kind).
// Returns an undefined-free null node when not found.
YAML::Node FindObject(const YAML::Node& doc, const std::string& kind, const std::string& name) {
  if (IsObject(doc, kind, name)) return doc;
  const std::string list_kind = ScalarOf(Get(doc, "kind"));
  if (list_kind.size() >= 4 && list_kind.compare(list_kind.size() - 4, 4, "List") == 0 &&
      Get(doc, "items").IsSequence()) {
    for (const auto& item : Get(doc, "items")) {
      if (IsObject(item, kind, name)) return item;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

using AnnotationList = std::vector<std::pair<std::string, std::string>>;

AnnotationList AddedAnnotations(const nlohmann::json& object) {
  AnnotationList added;
  if (!object.contains("annotations_added")) return added;
  for (const auto& [key, value] : object["annotations_added"].items()) {
    added.emplace_back(key, value.get<std::string>());
  }
  return added;
}

std::vector<std::string> RemovedAnnotations(const nlohmann::json& object) {
  std::vector<std::string> removed;
  if (object.contains("annotations_removed")) {
    for (const auto& key : object["annotations_removed"]) removed.push_back(key.get<std::string>());
  }
  return removed;
}

// Structural equality of `want` (the expected tree) and `got` (the parsed output). Scalars compare
// by value, and by tag where `want` came from the input text; a synthesized scalar (an added
// annotation value) must be a quoted string in the output. Map entries match by key regardless of
// position.
class TreeComparer {
 public:
  bool Equal(const YAML::Node& want, const YAML::Node& got, const std::string& path) {
    if (want.Type() != got.Type()) return Fail(path, "node types differ");
    switch (want.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return true;
      case YAML::NodeType::Scalar:
        if (want.Scalar() != got.Scalar()) {
          return Fail(path, "scalar '" + want.Scalar() + "' became '" + got.Scalar() + "'");
        }
        if (want.Mark().pos >= 0 && want.Tag() != got.Tag()) return Fail(path, "tag changed");
        if (want.Mark().pos < 0 && got.Tag() != "!") return Fail(path, "added value not quoted");
        return true;
      case YAML::NodeType::Sequence:
      case YAML::NodeType::Map:
        break;
    }
    // Aliases share nodes: compare each (want, got) pair of source nodes once. This also ends
    // cycles.
    if (want.Mark().pos >= 0 && got.Mark().pos >= 0 &&
        !visited_.emplace(want.Mark().pos, got.Mark().pos, static_cast<int>(want.Type())).second) {
      return true;
    }
    if (want.size() != got.size()) {
      return Fail(path,
                  "size " + std::to_string(want.size()) + " became " + std::to_string(got.size()));
    }
    if (want.IsSequence()) {
      for (std::size_t i = 0; i < want.size(); ++i) {
        if (!Equal(want[i], got[i], path + "[" + std::to_string(i) + "]")) return false;
      }
      return true;
    }
    std::vector<bool> used(got.size(), false);
    for (const auto& entry : want) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "<complex key>";
      std::size_t index = 0;
      bool matched = false;
      for (const auto& candidate : got) {
        if (!used[index] && candidate.first.IsScalar() == entry.first.IsScalar() &&
            (!entry.first.IsScalar() || candidate.first.Scalar() == key)) {
          used[index] = matched = true;
          if (!Equal(entry.second, candidate.second, path + "." + key)) return false;
          break;
        }
        ++index;
      }
      if (!matched) return Fail(path, "key '" + key + "' missing in the output");
    }
    return true;
  }
  const std::string& why() const { return why_; }

 private:
  bool Fail(const std::string& path, const std::string& what) {
    why_ = path + ": " + what;
    return false;
  }
  std::set<std::tuple<int, int, int>> visited_;
  std::string why_;
};

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(start, end - start));  // keeps a '\r' of CRLF
    start = end + 1;
  }
  return lines;
}

// True when `small`'s lines appear in order in `big` (a line diff with only insertions).
// `extra` receives the lines of `big` that are not part of the match.
bool IsLineSubsequence(const std::vector<std::string>& small, const std::vector<std::string>& big,
                       std::vector<std::string>* extra) {
  std::size_t i = 0;
  for (const auto& line : big) {
    if (i < small.size() && small[i] == line) {
      ++i;
    } else {
      extra->push_back(line);
    }
  }
  return i == small.size();
}

bool LooksLikeJson(std::string_view text) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
}

// Everything the property test knows about one input.
struct Case {
  std::string label;
  fs::path input;
  std::vector<std::string> args;  // extra CLI args
};

// True when the null value of the entry whose key is `key` is implicit (`key:` followed by nothing
// but a comment): lines can be added below without touching the key's line.
bool ImplicitNull(const YAML::Node& key, std::string_view input, std::size_t mark_offset) {
  const std::size_t key_at = static_cast<std::size_t>(key.Mark().pos) + mark_offset;
  const std::size_t colon = input.find(':', key_at);
  const std::size_t eol = input.find('\n', colon);
  std::string_view rest = input.substr(colon + 1, eol - colon - 1);
  const auto first = rest.find_first_not_of(" \t\r");
  return first == std::string_view::npos || rest[first] == '#';
}

// Whether the rewrite of `object_node` can be a pure insertion of lines: the maps on the way to the
// annotations are block style and `metadata:`/`annotations:` is absent, a block map or an empty
// (implicit) null.
bool BlockStyleAnnotations(const YAML::Node& object_node, const std::string& kind,
                           std::string_view input, std::size_t mark_offset) {
  YAML::Node node = object_node;
  std::vector<std::string> path = TemplatePath(kind);
  path.push_back("metadata");
  path.push_back("annotations");
  for (const auto& key : path) {
    if (!node.IsMap() || node.Style() == YAML::EmitterStyle::Flow) return false;
    bool found = false;
    YAML::Node value;
    for (const auto& entry : node) {
      if (entry.first.IsScalar() && entry.first.Scalar() == key) {
        value.reset(entry.second);
        found = true;
        if (!value.IsNull() || (key != "metadata" && key != "annotations")) break;
        // `metadata:`/`annotations:` with a null value: lines go below an implicit one only.
        return ImplicitNull(entry.first, input, mark_offset);
      }
    }
    if (!found) return true;  // created whole, on lines of their own
    node.reset(value);
  }
  return node.IsMap() && node.Style() != YAML::EmitterStyle::Flow;
}

constexpr std::string_view kOperator = "instrumentation.opentelemetry.io/";

// §0 rules over the final annotations of a template that carries traceassist.io/managed.
void CheckAnnotationRules(const YAML::Node& annotations, const std::string& object) {
  INFO("annotations of " << object);
  std::vector<std::string> injects;
  bool shared_names = false, language_names = false;
  for (const auto& entry : annotations) {
    const std::string key = entry.first.Scalar();
    const std::string value = entry.second.IsScalar() ? entry.second.Scalar() : "";
    if (key.rfind(kOperator, 0) != 0) continue;
    const std::string name = key.substr(kOperator.size());
    INFO(key << ": " << value);
    CHECK(name != "inject");
    CHECK(name != "nginx-container-names");
    CHECK(name.find("default-auto-instrumentation") == std::string::npos);
    CHECK(name.find("v1alpha1-fields") == std::string::npos);
    if (name.rfind("inject-", 0) == 0 && name.find("container-names") == std::string::npos) {
      injects.push_back(name);
    }
    if (name.size() >= 15 && name.compare(name.size() - 15, 15, "container-names") == 0) {
      CHECK(!value.empty());
      CHECK(value.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-,") ==
            std::string::npos);
      (name == "container-names" ? shared_names : language_names) = true;
    }
    if (name == "otel-python-platform") CHECK((value == "musl" || value == "glibc"));
    if (name == "otel-dotnet-auto-runtime") {
      CHECK((value == "linux-musl-x64" || value == "linux-x64"));
    }
    if (name == "otel-go-auto-target-exe") CHECK(value.rfind('/', 0) == 0);
  }
  if (injects.size() > 1) CHECK_FALSE(shared_names);  // mixed pods: per-language lists only
  if (injects.size() == 1) CHECK((shared_names || language_names));  // always name the containers
  if (std::find(injects.begin(), injects.end(), "inject-go") != injects.end()) {
    CHECK(Has(annotations, std::string(kOperator) + "otel-go-auto-target-exe"));
  }
}

// How many changed inputs went through the round trip (step 6), by shape: the cases below must
// keep covering flow maps and JSON, and empty or null maps.
struct RoundTrips {
  int changed = 0, flow = 0, empty = 0;
} round_trips;

void CheckProperties(const Case& c) {
  const std::string input = ReadFile(c.input);
  std::vector<std::string> args{"instrument"};
  args.insert(args.end(), c.args.begin(), c.args.end());
  args.insert(args.end(), {"--report", "json", c.input.string()});
  const auto run = RunTraceassist(args);
  INFO("stderr: " << run.err);
  REQUIRE(run.exit_code == 0);
  const auto report = nlohmann::json::parse(run.err, nullptr, false);
  REQUIRE_FALSE(report.is_discarded());
  const bool remove = std::find(c.args.begin(), c.args.end(), "--remove") != c.args.end();

  // 1. The output re-parses.
  std::vector<YAML::Node> out_docs;
  REQUIRE_NOTHROW(out_docs = YAML::LoadAll(run.out));
  if (LooksLikeJson(input)) CHECK(nlohmann::json::accept(run.out));  // JSON stays JSON
  std::vector<YAML::Node> want_docs = YAML::LoadAll(input);
  REQUIRE(out_docs.size() == want_docs.size());

  // 2. Apply the report to the parsed input.
  const std::size_t mark_offset = input.rfind(kBom, 0) == 0 ? kBom.size() : 0;
  bool block_style = !LooksLikeJson(input);
  bool corrects_values = false;
  bool empty_map = false;  // a changed template's metadata or annotations was empty or null
  for (const auto& object : report.at("objects")) {
    const auto added = AddedAnnotations(object);
    const auto removed = RemovedAnnotations(object);
    if (added.empty() && removed.empty()) continue;
    const std::string kind = object.at("kind").get<std::string>();
    const std::string name = object.at("name").get<std::string>();
    const int document = object.at("document").get<int>();
    INFO("object " << kind << "/" << name << " in document " << document);
    REQUIRE(document >= 1);
    REQUIRE(static_cast<std::size_t>(document) <= want_docs.size());
    YAML::Node target = FindObject(want_docs[document - 1], kind, name);
    REQUIRE(target.IsDefined());
    block_style = block_style && BlockStyleAnnotations(target, kind, input, mark_offset);
    for (const auto& key : TemplatePath(kind)) target.reset(Get(target, key));
    REQUIRE(target.IsMap());
    const YAML::Node had_metadata = Get(target, "metadata");
    const YAML::Node had_annotations = Get(had_metadata, "annotations");
    empty_map = empty_map || (Has(target, "metadata") && had_metadata.IsNull()) ||
                (Has(had_metadata, "annotations") &&
                 (had_annotations.IsNull() || had_annotations.size() == 0));
    if (!Get(target, "metadata").IsMap()) target["metadata"] = YAML::Node(YAML::NodeType::Map);
    YAML::Node metadata = target["metadata"];
    if (!Get(metadata, "annotations").IsMap()) {
      metadata["annotations"] = YAML::Node(YAML::NodeType::Map);
    }
    YAML::Node annotations = metadata["annotations"];
    for (const auto& [key, value] : added) {
      if (Has(annotations, key)) corrects_values = true;
      annotations[key] = value;
    }
    for (const auto& key : removed) CHECK(annotations.remove(key));
    // A map emptied by the removal may go too (when TraceAssist had created it): follow the output.
    if (!removed.empty() && annotations.size() == 0) {
      YAML::Node out_template = FindObject(out_docs[document - 1], kind, name);
      for (const auto& key : TemplatePath(kind)) out_template.reset(Get(out_template, key));
      const YAML::Node out_metadata = Get(out_template, "metadata");
      if (!Has(out_metadata, "annotations")) metadata.remove("annotations");
      if (metadata.size() == 0 && !Has(out_template, "metadata")) target.remove("metadata");
    }
  }
  for (const auto& object : report.at("objects")) {
    const std::string kind = object.at("kind").get<std::string>();
    const std::string name = object.at("name").get<std::string>();
    const int document = object.at("document").get<int>();
    if (document < 1 || static_cast<std::size_t>(document) > out_docs.size()) continue;
    YAML::Node node = FindObject(out_docs[document - 1], kind, name);
    for (const auto& key : TemplatePath(kind)) node.reset(Get(node, key));
    const YAML::Node annotations = Get(Get(node, "metadata"), "annotations");
    if (Has(annotations, "traceassist.io/managed"))
      CheckAnnotationRules(annotations, kind + "/" + name);
  }
  for (std::size_t i = 0; i < want_docs.size(); ++i) {
    TreeComparer comparer;
    const bool equal = comparer.Equal(want_docs[i], out_docs[i], "doc" + std::to_string(i + 1));
    INFO("document " << i + 1 << ": " << comparer.why());
    CHECK(equal);
  }

  // 4. Only added (or, for --remove, only removed) lines where the layout is block style.
  if (block_style && !corrects_values) {
    const auto in_lines = SplitLines(input);
    const auto out_lines = SplitLines(run.out);
    std::vector<std::string> changed;
    const bool pure = remove ? IsLineSubsequence(out_lines, in_lines, &changed)
                             : IsLineSubsequence(in_lines, out_lines, &changed);
    INFO("lines not in the " << (remove ? "output" : "input") << ": "
                             << nlohmann::json(changed).dump());
    CHECK(pure);
    if (input.find("\r\n") != std::string::npos) {
      for (const auto& line : changed) CHECK((!line.empty() && line.back() == '\r'));
    }
  }

  // 5. A second run (over stdin) changes nothing.
  std::vector<std::string> again{"instrument"};
  again.insert(again.end(), c.args.begin(), c.args.end());
  again.insert(again.end(), {"--report", "json", "-"});
  const auto rerun = RunTraceassist(again, {}, run.out);
  INFO("second run stderr: " << rerun.err);
  REQUIRE(rerun.exit_code == 0);
  CHECK(rerun.out == run.out);
  const auto rerun_report = nlohmann::json::parse(rerun.err, nullptr, false);
  REQUIRE_FALSE(rerun_report.is_discarded());
  CHECK(rerun_report.at("changes_made") == false);

  // 6. Round trip through --remove gives back the input's bytes, whatever its layout: flow maps,
  // JSON, and `annotations:`/`metadata:` that were empty, null or `~` (the ownership marker records
  // what stood there). Not for inputs that already carry TraceAssist's marker or values it
  // corrects: remove takes those off too.
  if (!remove && !corrects_values && input.find("traceassist.io/managed") == std::string::npos) {
    if (report.at("changes_made") == true) {
      ++round_trips.changed;
      if (!block_style) ++round_trips.flow;
      if (empty_map) ++round_trips.empty;
    }
    std::vector<std::string> undo{"instrument", "--remove"};
    undo.insert(undo.end(), c.args.begin(), c.args.end());
    undo.insert(undo.end(), {"--report", "json", "-"});
    const auto removed = RunTraceassist(undo, {}, run.out);
    INFO("--remove stderr: " << removed.err);
    REQUIRE(removed.exit_code == 0);
    std::vector<std::string> lost;
    IsLineSubsequence(SplitLines(removed.out), SplitLines(input), &lost);
    INFO("input lines missing after --remove: " << nlohmann::json(lost).dump());
    CHECK(removed.out == input);
  }
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const auto& f : ListFixtures()) cases.push_back({"fixture " + f.name, f.input, f.args});
  // The layouts uninstrument gives back byte for byte (issue 18 item 7): flow maps, JSON, and
  // empty or null maps.
  for (const auto& entry : fs::directory_iterator(DataDir() / "roundtrip"))
    cases.push_back({"roundtrip " + entry.path().filename().string(), entry.path(), {}});
  for (const auto& path : ListCorpusFiles()) {
    cases.push_back({"corpus " + path.filename().string(), path, {}});
    cases.push_back({"corpus " + path.filename().string() + " (Go, nginx, init containers on)",
                     path,
                     {"--enable-go", "--enable-nginx", "--init-containers"}});
  }
  return cases;
}

}  // namespace

TEST_CASE("instrument properties over fixtures and the corpus", "[property]") {
  const auto cases = AllCases();
  REQUIRE(cases.size() >= 45);
  if (ListCorpusFiles().empty()) {
    WARN("corpus not found at " TRACEASSIST_CORPUS_DIR "/files: only fixtures are checked");
  }
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.label) {
      CheckProperties(c);
      if (&c == &cases.back()) {  // every section has run (in order): the round trips' shapes
        WARN("round trips: " << round_trips.changed << " changed inputs, " << round_trips.flow
                             << " with flow maps or JSON, " << round_trips.empty
                             << " with an empty or null metadata/annotations");
        CHECK(round_trips.flow >= 20);
        CHECK(round_trips.empty >= 12);
      }
    }
  }
}

}  // namespace traceassist::testing
