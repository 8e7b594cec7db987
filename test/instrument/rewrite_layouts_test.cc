// Layouts the splice must not misjudge (issue 18): explicit keys and duplicate keys on the way to
// the annotations or in the pod spec are skipped as unsupported_layout with a warning and the bytes
// kept; lone-CR line
// endings are refused; encoding errors name their document; the safety net catches a rewrite that
// does not read back as reported.
#include <catch2/catch.hpp>
#include <string>

#include "traceassist/instrument/rewrite.h"
#include "verify.h"
#include "yaml_tree.h"

using namespace traceassist::instrument;

namespace {

const std::string kHead = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n";
const std::string kContainers =
    "    spec:\n      containers:\n        - name: app\n          image: eclipse-temurin:21-jre\n";

void CheckSkippedUnchanged(const std::string& input, const std::string& detail) {
  INFO(input);
  auto result = RewriteManifests(input, {});
  REQUIRE(result.ok());
  CHECK(result.value().text == input);
  REQUIRE(result.value().report.objects.size() == 1);
  const ObjectReport& o = result.value().report.objects[0];
  CHECK(o.status == ObjectStatus::kSkipped);
  REQUIRE(!o.reasons.empty());
  CHECK(o.reasons[0] == "unsupported_layout");
  bool warned = false;
  for (const auto& w : result.value().report.warnings)
    warned |= w.message.find(detail) != std::string::npos;
  CHECK(warned);
}

}  // namespace

TEST_CASE("explicit keys on the way to the annotations are skipped as unsupported",
          "[rewrite][layout]") {
  CheckSkippedUnchanged(
      kHead + "  template:\n    ? metadata\n    : labels: {app: x}\n" + kContainers,
      "explicit key");
  CheckSkippedUnchanged(
      kHead + "  template:\n    metadata:\n      ? annotations\n      : team: shop\n" + kContainers,
      "explicit key");
  CheckSkippedUnchanged(
      kHead + "  ? template\n  : metadata:\n      labels: {app: x}\n  " + kContainers.substr(2),
      "explicit key");
  CheckSkippedUnchanged(kHead +
                            "  template:\n    metadata:\n      annotations:\n        ? team\n"
                            "        : shop\n" +
                            kContainers,
                        "explicit key");
  CheckSkippedUnchanged(kHead + "  template:\n    metadata: {? labels: {app: x}}\n" + kContainers,
                        "explicit key");
}

TEST_CASE("an entry with no key (`: value`) on the way to the annotations is skipped",
          "[rewrite][layout]") {
  // yaml-cpp reads `: labels:` at the column of `metadata:` as metadata's value; the lines added
  // after `metadata:` made it an entry of the template, and the safety net refused the stream
  // (found by fuzz_rewrite).
  const std::string detail = "an entry with no key";
  CheckSkippedUnchanged(
      kHead + "  template:\n    metadata:\n    : labels:\n        app: x\n" + kContainers, detail);
  CheckSkippedUnchanged(
      kHead + "  template:\n    metadata:\n   \n    : labels:\n        app: x\n" + kContainers,
      detail);
  CheckSkippedUnchanged(kHead + "  template:\n    : x\n    metadata: {}\n" + kContainers, detail);
  CheckSkippedUnchanged(
      kHead + "  template:\n    metadata:\n      annotations:\n        : x\n" + kContainers,
      detail);
  CheckSkippedUnchanged(kHead + "  template:\n    metadata: {: x}\n" + kContainers, detail);
  // An empty key written as a scalar is a key like any other.
  for (const std::string key : {"\"\"", "''", "~"}) {
    auto result = RewriteManifests(
        kHead + "  template:\n    metadata:\n      " + key + ": x\n" + kContainers, {});
    REQUIRE(result.ok());
    CHECK(result.value().report.objects[0].status == ObjectStatus::kInstrumented);
  }
}

TEST_CASE("a key written twice on the way to the annotations is skipped as unsupported",
          "[rewrite][layout]") {
  CheckSkippedUnchanged(kHead + "  template:\n    metadata:\n      labels: {app: x}\n" +
                            kContainers + "  template:\n    metadata: {}\n" + kContainers,
                        "`template` is written 2 times");
  CheckSkippedUnchanged(kHead + "  template:\n    metadata:\n      labels: {app: x}\n" +
                            "    metadata:\n      labels: {app: y}\n" + kContainers,
                        "`metadata` is written 2 times");
  CheckSkippedUnchanged(kHead + "  template:\n    metadata:\n      annotations:\n        a: b\n" +
                            "      annotations:\n        c: d\n" + kContainers,
                        "`annotations` is written 2 times");
}

TEST_CASE("a key TraceAssist reads written twice is skipped as unsupported; others are not",
          "[rewrite][layout]") {
  // Detection reads the first copy, the API server the last: a Python container would run under
  // Java annotations naming a container that does not exist.
  CheckSkippedUnchanged(kHead + "  template:\n" + kContainers +
                            "      containers:\n        - name: worker\n          image: "
                            "python:3.12\n",
                        "`containers` is written twice in one mapping");
  CheckSkippedUnchanged(kHead + "  template:\n" + kContainers + "          image: python:3.12\n",
                        "`image` is written twice");
  // Keys read by nothing TraceAssist decides on (labels, a container's resources, as in the
  // corpus's petclinic manifest) do not stop it: instrumented (golden duplicate-keys).
  for (const std::string& twice :
       {"    metadata:\n      labels:\n        a: x\n        a: y\n" + kContainers,
        kContainers + "          resources: {}\n          resources: {}\n"}) {
    auto result = RewriteManifests(kHead + "  template:\n" + twice, {});
    REQUIRE(result.ok());
    CHECK(result.value().report.objects.at(0).status == ObjectStatus::kInstrumented);
  }
  // uninstrument still removes what TraceAssist wrote.
  const std::string instrumented =
      RewriteManifests(kHead + "  template:\n" + kContainers, {}).value().text;
  Options remove;
  remove.action = Action::kRemove;
  auto removed = RewriteManifests(instrumented + "      containers: []\n", remove);
  REQUIRE(removed.ok());
  CHECK(removed.value().report.objects.at(0).status == ObjectStatus::kUninstrumented);
}

TEST_CASE(
    "a key TraceAssist reads written twice is warned about with nothing to set, and in detect",
    "[rewrite][layout]") {
  // Instrumented earlier; the user then adds a second `containers:` list (line 16).
  const std::string instrumented =
      RewriteManifests(kHead + "  template:\n" + kContainers, {}).value().text;
  const std::string twice =
      instrumented + "      containers:\n        - name: worker\n          image: python:3.12\n";
  CheckSkippedUnchanged(twice, "`containers` is written twice in one mapping (line 16:");
  auto detected = DetectManifests(twice, {});
  REQUIRE(detected.ok());
  REQUIRE(detected.value().warnings.size() == 1);
  CHECK(detected.value().warnings[0].line == 16);
  CHECK_THAT(detected.value().warnings[0].message,
             Catch::Contains("`containers` is written twice"));
  // A second `image:` names its container and its own line.
  auto image =
      RewriteManifests(kHead + "  template:\n" + kContainers + "          image: python:3\n", {});
  REQUIRE(image.ok());
  REQUIRE(image.value().report.warnings.size() == 1);
  CHECK(image.value().report.warnings[0].line == 11);
  CHECK_THAT(image.value().report.warnings[0].message,
             Catch::Contains("`image` is written twice in one mapping of container app (line 11:"));
}

TEST_CASE("line endings of CR alone are refused with the line", "[rewrite][layout]") {
  std::string input = kHead + "  template:\n" + kContainers;
  for (auto& c : input) {
    if (c == '\n') c = '\r';
  }
  auto result = RewriteManifests(input, {});
  REQUIRE(!result.ok());
  CHECK(result.status().message().find("CR alone") != std::string::npos);
  CHECK(result.status().where().line == 1);
  CHECK(result.status().where().document == 1);
}

TEST_CASE("a NUL byte or invalid UTF-8 names its document", "[rewrite][layout]") {
  const std::string doc = kHead + "  template:\n" + kContainers;
  std::string input = "# a comment\n" + doc + "---\n" + doc + "---\n" + doc;
  input.insert(input.rfind("name: app"), std::string(1, '\0'));
  auto result = RewriteManifests(input, {});
  REQUIRE(!result.ok());
  CHECK(result.status().message().find("NUL") != std::string::npos);
  CHECK(result.status().where().document == 3);
  auto invalid = RewriteManifests("---\n" + doc + "---\nkind: \xC3\x28\n", {});
  REQUIRE(!invalid.ok());
  CHECK(invalid.status().where().document == 2);
}

TEST_CASE("a control character is refused with its place", "[rewrite][layout]") {
  // yaml-cpp reads 0x04 as the end of its stream, so `names:\x04"w"` was a key and a value to it
  // but one plain scalar to the splice, which inserted lines inside it (found by fuzz_rewrite).
  const std::string doc = kHead + "  template:\n" + kContainers;
  for (const char c : {'\x04', '\x01', '\x1B', '\x7F'}) {
    std::string input = doc + "---\n" + doc;
    input.insert(input.rfind("name: app") + 5, std::string(1, c));
    INFO(static_cast<int>(c));
    auto result = RewriteManifests(input, {});
    REQUIRE(!result.ok());
    CHECK(result.status().message().find("control character") != std::string::npos);
    CHECK(result.status().where().document == 2);
    CHECK(result.status().where().line == 20);  // lines count from the stream's start
    CHECK(result.status().where().column == 16);
  }
  // Tabs, CRLF line ends and escaped controls are not refused.
  auto fine = RewriteManifests(
      kHead + "  template:\r\n    metadata:\t{labels: {a: \"\\x04\"}}\n" + kContainers, {});
  REQUIRE(fine.ok());
  CHECK(fine.value().report.objects[0].status == ObjectStatus::kInstrumented);
}

TEST_CASE("a byte order mark after the input's first bytes is refused with its place",
          "[rewrite][layout]") {
  // yaml-cpp strips a second BOM at the start too and its positions then point three bytes early:
  // the template was skipped for a layout it does not have (found by fuzz_rewrite); elsewhere it
  // reads one as text (`\uFEFFkind` is not `kind`), where Kubernetes skips it.
  const std::string bom = "\xEF\xBB\xBF";
  const std::string doc = kHead + "  template:\n    metadata: {labels: {a: b}}\n" + kContainers;
  struct Case {
    std::string input;
    int document, line, column;
  };
  for (const Case& c :
       {Case{bom + bom + doc, 1, 1, 1}, Case{bom + doc + "---\n" + bom + doc, 2, 13, 1},
        Case{doc + bom + "---\n" + doc, 1, 12, 1},
        Case{doc + "---\n" + doc.substr(0, 20) + bom + doc.substr(20), 2, 14, 1}}) {
    INFO(c.input);
    auto result = RewriteManifests(c.input, {});
    REQUIRE(!result.ok());
    CHECK(result.status().code() == StatusCode::kInvalidInput);
    CHECK(result.status().message().find("byte order mark") != std::string::npos);
    CHECK(result.status().where().document == c.document);
    CHECK(result.status().where().line == c.line);
    CHECK(result.status().where().column == c.column);
  }
  // One BOM at the start is kept, and the template instrumented.
  auto fine = RewriteManifests(bom + doc, {});
  REQUIRE(fine.ok());
  CHECK(fine.value().text.rfind(bom, 0) == 0);
  CHECK(fine.value().report.objects[0].status == ObjectStatus::kInstrumented);
}

TEST_CASE("the safety net refuses a rewrite that does not read back as reported",
          "[rewrite][layout]") {
  const std::string input = kHead + "  template:\n" + kContainers;
  auto result = RewriteManifests(input, {});
  REQUIRE(result.ok());
  const RewriteOutput& out = result.value();
  CHECK(VerifyRewrite(out.text, out.report, out.documents, 400).ok());
  // The report promises a value the text does not hold, or a removal the text does not show.
  Report wrong_value = out.report;
  wrong_value.objects[0].annotations_added[0].second = "something else";
  CHECK(!VerifyRewrite(out.text, wrong_value, out.documents, 400).ok());
  Report not_removed = out.report;
  not_removed.objects[0].annotations_removed.push_back(
      out.report.objects[0].annotations_added[0].first);
  CHECK(!VerifyRewrite(out.text, not_removed, out.documents, 400).ok());
  CHECK(!VerifyRewrite(input, out.report, out.documents, 400).ok());  // nothing was added
  CHECK(!VerifyRewrite(out.text + "---\na: [\n", out.report, out.documents, 400).ok());
}

namespace {

// The one splice that turned `input` into `output` (they differ in one stretch).
std::vector<Splice> OneSplice(const std::string& input, const std::string& output) {
  std::size_t prefix = 0;
  while (prefix < input.size() && prefix < output.size() && input[prefix] == output[prefix])
    ++prefix;
  std::size_t suffix = 0;
  while (suffix < input.size() - prefix && suffix < output.size() - prefix &&
         input[input.size() - 1 - suffix] == output[output.size() - 1 - suffix])
    ++suffix;
  return {{prefix, input.size() - prefix - suffix, output.size() - prefix - suffix}};
}

std::vector<std::size_t> DocumentStarts(const std::string& text) {
  std::vector<std::size_t> starts;
  REQUIRE(ParseYamlDocuments(text, 400, [&](const YamlDocument& doc) {
            starts.push_back(doc.start());
            return Status::Ok();
          }).ok());
  return starts;
}

}  // namespace

TEST_CASE("the safety net reads back only the documents the rewrite changed", "[rewrite][layout]") {
  const std::string service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";
  const std::string input = "# a stream\n" + service + "---\n" + kHead + "  template:\n" +
                            kContainers + "...\n---\n" + service;
  auto result = RewriteManifests(input, {});
  REQUIRE(result.ok());
  const RewriteOutput& out = result.value();
  REQUIRE(out.report.objects.size() == 1);
  REQUIRE(out.report.objects[0].document == 2);
  const auto splices = OneSplice(input, out.text);
  const auto starts = DocumentStarts(input);
  REQUIRE(starts.size() == 3);
  CHECK(VerifyChangedDocuments(input, splices, starts, out.text, out.report, 400).ok());

  // The unchanged documents are the input's own bytes and are not read again: damage there (which
  // the rewrite cannot cause) goes unseen by this check and is seen by the whole-stream one.
  std::string damaged = out.text;
  damaged.replace(damaged.find("name: web"), 9, "name: [we");
  CHECK(!VerifyRewrite(damaged, out.report, 3, 400).ok());
  CHECK(VerifyChangedDocuments(input, splices, starts, damaged, out.report, 400).ok());

  // Damage in the changed document is caught, and named by its number in the whole stream.
  Report wrong = out.report;
  wrong.objects[0].annotations_added[0].second = "something else";
  const Status s = VerifyChangedDocuments(input, splices, starts, out.text, wrong, 400);
  REQUIRE(!s.ok());
  CHECK(s.where().document == 2);

  // A quote left open in the changed document would swallow the next marker: caught.
  std::string open = out.text;
  open.insert(open.find("...\n"), "    x: 'open\n");
  const auto open_splices = OneSplice(input, open);
  CHECK(!VerifyChangedDocuments(input, open_splices, starts, open, out.report, 400).ok());
}

TEST_CASE("a changed document that cannot be read on its own is judged with the whole stream",
          "[rewrite][layout]") {
  // The next document's flow mapping opens on its marker line, which the changed document's
  // read-back includes: alone, that line does not parse; the whole stream does.
  const std::string input = kHead + "  template:\n" + kContainers +
                            "--- {apiVersion: v1, kind: ConfigMap,\n  data: {a: b}}\n";
  auto result = RewriteManifests(input, {});
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  CHECK(result.value().report.changes_made);
  CHECK(result.value().documents == 2);
}

TEST_CASE("items of a typed list that carry no kind are reported, never passed silently",
          "[rewrite][layout]") {
  // As the API server lists them (GET .../deployments): the items have no kind or apiVersion.
  const std::string input =
      "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n"
      "- metadata: {name: listed}\n  spec:\n    template:\n      spec:\n"
      "        containers: [{name: app, image: 'eclipse-temurin:21-jre'}]\n"
      "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: full}\n  spec:\n"
      "    template:\n      spec:\n        containers: [{name: app, image: 'node:20'}]\n";
  auto result = RewriteManifests(input, {});
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  const Report& r = result.value().report;
  REQUIRE(r.objects.size() == 2);
  CHECK(r.objects[0].name == "listed");
  CHECK(r.objects[0].kind == "Deployment");
  CHECK(r.objects[0].status == ObjectStatus::kSkipped);
  CHECK(r.objects[0].reasons == std::vector<std::string>{"unsupported_kind"});
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].message.find("without kind") != std::string::npos);
  CHECK(r.warnings[0].line == 4);
  CHECK(r.objects[1].name == "full");
  CHECK(r.objects[1].status == ObjectStatus::kInstrumented);
  CHECK(result.value().text.find("inject-nodejs") != std::string::npos);
  CHECK(result.value().text.find("inject-java") == std::string::npos);
}

TEST_CASE(
    "a plain value that folds onto the next line of a flow map is never cut at its first line",
    "[rewrite][layout]") {
  // The last entry of a flow map is removed from the end of the value before it to the end of its
  // own value: a value read as ending at its first line left `y}}` behind (found by fuzz_rewrite).
  Options remove;
  remove.action = Action::kRemove;
  const std::string folded =
      kHead +
      "  template:\n    metadata: {annotations: {team: shop, 'traceassist.io/managed': x\n" +
      "      y}}\n" + kContainers;
  auto removed = RewriteManifests(folded, remove);
  REQUIRE(removed.ok());
  CHECK(removed.value().text == folded);
  REQUIRE(removed.value().report.objects.size() == 1);
  CHECK(removed.value().report.objects[0].status == ObjectStatus::kSkipped);
  CHECK(removed.value().report.objects[0].reasons.at(0) == "unsupported_layout");
  // Before another entry it goes up to that entry's key, however many lines it spans.
  const std::string middle =
      kHead + "  template:\n    metadata: {annotations: {'traceassist.io/managed': x\n" +
      "      y, team: shop}}\n" + kContainers;
  auto kept = RewriteManifests(middle, remove);
  REQUIRE(kept.ok());
  CHECK(kept.value().text ==
        kHead + "  template:\n    metadata: {annotations: {team: shop}}\n" + kContainers);
}

TEST_CASE("a value's tag or anchor is read as its own token, not as the start of a plain scalar",
          "[rewrite][layout]") {
  // yaml-cpp marks a node at its first property. Read as plain text, `!t "x, y"` ended at the
  // comma inside the quotes and left `y"` behind as a new key, which the safety net cannot tell
  // from the user's; `!t: 'x'` ended at the colon inside the tag (found by fuzz_rewrite). A quote
  // ends a tag (`!t"x, y"`), as yaml-cpp reads it.
  Options remove;
  remove.action = Action::kRemove;
  for (const std::string value :
       {"!t \"x, y\"", "!t\"x, y\"", "!\"x, y\"", "!!str\"x, y\"", "!t: 'x'", "&a 'x # y'",
        "!<tag:x,y> z", "&a !t \"q, r\"", "!t", "&a {}", "!t {}"}) {
    INFO(value);
    auto removed = RewriteManifests(
        kHead + "  template:\n    metadata: {annotations: {a: b, 'traceassist.io/managed': " +
            value + "}}\n" + kContainers,
        remove);
    REQUIRE(removed.ok());
    CHECK(removed.value().text ==
          kHead + "  template:\n    metadata: {annotations: {a: b}}\n" + kContainers);
  }
}
