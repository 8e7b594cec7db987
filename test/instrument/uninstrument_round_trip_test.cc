// `uninstrument` gives back the bytes TraceAssist found (issue 18 item 7): every input under
// test/data/roundtrip/ is instrumented, and removing what was added must give the input back byte
// for byte: comments and spacing inside flow maps, tab-indented JSON, and `annotations:` or
// `metadata:` that were empty, null or `~` before TraceAssist filled them (the ownership marker
// records what was there).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "traceassist/instrument/rewrite.h"

using namespace traceassist::instrument;
namespace fs = std::filesystem;

namespace {

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

RewriteOutput Run(const std::string& input, Action action) {
  Options options;
  options.action = action;
  auto result = RewriteManifests(input, options);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return std::move(result).value();
}

}  // namespace

TEST_CASE("uninstrument gives back the bytes TraceAssist found", "[rewrite][roundtrip]") {
  const fs::path dir = fs::path(TRACEASSIST_TEST_DATA_DIR) / "roundtrip";
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string input = ReadFile(entry.path());
    DYNAMIC_SECTION(entry.path().filename().string()) {
      ++cases;
      const RewriteOutput instrumented = Run(input, Action::kInstrument);
      INFO("instrumented:\n" << instrumented.text);
      REQUIRE(instrumented.report.changes_made);
      CHECK(Run(instrumented.text, Action::kInstrument).text == instrumented.text);
      const RewriteOutput removed = Run(instrumented.text, Action::kRemove);
      CHECK(removed.report.changes_made);
      CHECK(removed.text == input);
    }
  }
  CHECK(cases >= 1);
}

TEST_CASE("a managed value edited by hand survives instrument and uninstrument",
          "[rewrite][roundtrip]") {
  const std::string head = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n";
  const std::string spec = "spec:\n  containers: [{name: app, image: openjdk:17}]\n";
  for (const std::string annotations :
       {"  annotations: ~\n", "  annotations: {team: shop}\n", "  labels: {a: b}\n"}) {
    DYNAMIC_SECTION(annotations) {
      const std::string input = head + annotations + spec;
      const std::string instrumented = Run(input, Action::kInstrument).text;
      const std::string from = "'app'", to = "'app,debug'";
      const std::size_t at = instrumented.find(from);
      REQUIRE(at != std::string::npos);
      std::string edited = instrumented;
      edited.replace(at, from.size(), to);

      const RewriteOutput again = Run(edited, Action::kInstrument);
      CHECK(again.text == edited);
      CHECK_FALSE(again.report.changes_made);
      REQUIRE(again.report.warnings.size() == 1);
      CHECK_THAT(again.report.warnings[0].message, Catch::Contains("container-names was edited"));

      const RewriteOutput removed = Run(edited, Action::kRemove);
      INFO("uninstrumented:\n" << removed.text);
      CHECK(removed.report.changes_made);
      CHECK(removed.text.find(to) != std::string::npos);
      CHECK(removed.text.find("inject-java") == std::string::npos);
      CHECK(removed.text.find("traceassist.io/managed") == std::string::npos);
      REQUIRE(removed.report.warnings.size() == 1);
      CHECK_THAT(removed.report.warnings[0].message, Catch::Contains("kept"));
      CHECK(Run(removed.text, Action::kInstrument).text == removed.text);
    }
  }
}

TEST_CASE("an empty `{}` under a flow parent is recorded in the marker and written back",
          "[rewrite][roundtrip]") {
  struct Case {
    std::string input, record;
  };
  const std::string containers = "{containers: [{name: app, image: openjdk:17}]}";
  for (const Case& c : std::vector<Case>{
           {"kind: Pod\nmetadata: {annotations: {}}\nspec: " + containers + "\n",
            ",annotations: {}'"},
           {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: "
            "{metadata: {}, spec: " +
                containers + "}}\n",
            ",metadata: {}'"},
           {R"({"kind":"Pod","metadata":{"name":"q","annotations":{}},"spec":{"containers":)"
            R"([{"name":"app","image":"openjdk:17"}]}})",
            R"(,annotations:{}")"},
       }) {
    DYNAMIC_SECTION(c.input) {
      const RewriteOutput instrumented = Run(c.input, Action::kInstrument);
      INFO("instrumented:\n" << instrumented.text);
      REQUIRE(instrumented.report.changes_made);
      CHECK(instrumented.text.find(c.record) != std::string::npos);
      CHECK(Run(instrumented.text, Action::kInstrument).text == instrumented.text);
      CHECK(Run(instrumented.text, Action::kRemove).text == c.input);
    }
  }
}

TEST_CASE("a marker's record that is not an empty value is refused, never written back",
          "[rewrite][roundtrip]") {
  // The record is written back after `annotations:`; one edited by hand (here garbled as
  // fuzz_rewrite found it) would fuse with the key or leave a value that is not a map.
  const std::string head =
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: # ours\n"
      "    instrumentation.opentelemetry.io/inject-java: 'true'\n"
      "    traceassist.io/managed: 'inject-java,";
  const std::string spec = "'\nspec:\n  containers: [{name: app, image: openjdk:17}]\n";
  Options remove;
  remove.action = Action::kRemove;
  for (const std::string record : {"annotations:nl ul", "annotations: x", "annotations: {a: b}",
                                   "metadata: !!str ~", "annotations: {} #", "metadata: []"}) {
    DYNAMIC_SECTION(record) {
      const std::string input = head + record + spec;
      auto removed = RewriteManifests(input, remove);
      INFO(removed.status().ToString());
      REQUIRE(removed.ok());
      CHECK(removed.value().text == input);
      REQUIRE(removed.value().report.objects.size() == 1);
      const ObjectReport& o = removed.value().report.objects[0];
      CHECK(o.status == ObjectStatus::kSkipped);
      CHECK(o.reasons.at(0) == "unsupported_layout");
      REQUIRE(removed.value().report.warnings.size() == 1);
      CHECK_THAT(removed.value().report.warnings[0].message,
                 Catch::Contains("ownership marker records a former value"));
    }
  }
  // The records TraceAssist writes still go back, with blanks, tags and anchors as they were.
  for (const std::string record : {"annotations:", "annotations: ~", "annotations:\tNULL",
                                   "annotations: !!map { }", "annotations: &a {}"}) {
    DYNAMIC_SECTION(record) {
      auto removed = RewriteManifests(head + record + spec, remove);
      REQUIRE(removed.ok());
      const std::string restored =
          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  " + record +
          " # ours\nspec:\n  containers: [{name: app, image: openjdk:17}]\n";
      CHECK(removed.value().text == restored);
    }
  }
}
