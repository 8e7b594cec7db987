#include "traceassist/instrument/rewrite.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "traceassist/instrument/diff.h"
#include "traceassist/instrument/json_object.h"

using namespace traceassist::instrument;

namespace {

std::string Rewrite(std::string_view input, const Options& options = {}) {
  auto result = RewriteManifests(input, options);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return result.value().text;
}

// Single-quoted: the inputs below hold no double quote (QuoteStyle::kMatchFile).
const char* kJavaLines =
    "instrumentation.opentelemetry.io/inject-java: 'true'\n"
    "{I}instrumentation.opentelemetry.io/container-names: 'app'\n"
    "{I}traceassist.io/managed: 'inject-java,container-names,digests=4db211e5.1f6a832c'\n";

// `original`: what the ownership marker records of the map TraceAssist filled ("" for none).
std::string JavaLines(const std::string& indent, const std::string& original = "") {
  std::string s = indent + kJavaLines;
  for (auto pos = s.find("{I}"); pos != std::string::npos; pos = s.find("{I}"))
    s.replace(pos, 3, indent);
  if (!original.empty()) s.insert(s.rfind("'"), "," + original);
  return s;
}

}  // namespace

TEST_CASE("annotations are added after the annotations key at the siblings' indentation",
          "[rewrite]") {
  const std::string in =
      "kind: Deployment\napiVersion: apps/v1\nspec:\n  template:\n    metadata:\n      "
      "annotations:   # ours\n"
      "          team: shop\n    spec:\n      containers:\n      - {name: app, image: "
      "'openjdk:17'}\n";
  const std::string out = Rewrite(in);
  CHECK(out ==
        "kind: Deployment\napiVersion: apps/v1\nspec:\n  template:\n    metadata:\n      "
        "annotations:   # ours\n" +
            JavaLines("          ") +
            "          team: shop\n    spec:\n      containers:\n      - {name: app, image: "
            "'openjdk:17'}\n");
  CHECK(Rewrite(out) == out);
}

TEST_CASE("missing metadata and annotations maps are created with the document's indentation",
          "[rewrite]") {
  const std::string in =
      "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n    template:\n        spec:\n            "
      "containers:\n"
      "            -   name: app\n                image: openjdk:17\n";
  CHECK(Rewrite(in) ==
        "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n    template:\n        metadata:\n           "
        " annotations:\n" +
            JavaLines("                ") +
            "        spec:\n            containers:\n            -   name: app\n                "
            "image: openjdk:17\n");
}

TEST_CASE("CRLF line endings, a BOM and a missing final newline are kept", "[rewrite]") {
  const std::string in =
      "\xEF\xBB\xBF"
      "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n"
      "  - name: app\r\n    image: openjdk:17";
  const std::string out = Rewrite(in);
  std::string lines = JavaLines("    ");
  for (auto p = lines.find('\n'); p != std::string::npos; p = lines.find('\n', p + 2))
    lines.replace(p, 1, "\r\n");
  CHECK(out ==
        "\xEF\xBB\xBF"
        "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  annotations:\r\n" +
            lines +
            "  name: p\r\nspec:\r\n  containers:\r\n  - name: app\r\n    image: openjdk:17");
}

TEST_CASE("null and empty annotations", "[rewrite]") {
  const std::string head = "kind: Pod\napiVersion: v1\nmetadata:\n  name: p\n";
  const std::string spec = "spec:\n  containers: [{name: app, image: openjdk:17}]\n";
  // The marker records what stood there (issue 18): uninstrument writes it back.
  CHECK(Rewrite(head + "  annotations:\n" + spec) ==
        head + "  annotations:\n" + JavaLines("    ", "annotations:") + spec);
  CHECK(Rewrite(head + "  annotations: ~  # none\n" + spec) ==
        head + "  annotations:  # none\n" + JavaLines("    ", "annotations: ~") + spec);
  CHECK(Rewrite(head + "  annotations: {}\n" + spec) ==
        head +
            "  annotations: {'instrumentation.opentelemetry.io/inject-java': 'true', "
            "'instrumentation.opentelemetry.io/container-names': 'app', "
            "'traceassist.io/managed': "
            "'inject-java,container-names,digests=4db211e5.1f6a832c,annotations: {}'}\n" +
            spec);
}

TEST_CASE("a file ending on the line to extend keeps its missing final newline", "[rewrite]") {
  const std::string in =
      "kind: Pod\napiVersion: v1\nspec:\n  containers: [{name: app, image: "
      "openjdk:17}]\nmetadata:\n  annotations:";
  std::string expected = in + "\n" + JavaLines("    ", "annotations:");
  expected.pop_back();
  CHECK(Rewrite(in) == expected);
}

TEST_CASE("JSON manifests stay valid JSON and remove restores them byte for byte", "[rewrite]") {
  const std::string in = R"({
  "apiVersion": "batch/v1",
  "kind": "CronJob",
  "metadata": {"name": "nightly"},
  "spec": {
    "schedule": "0 1 * * *",
    "jobTemplate": {
      "spec": {
        "template": {
          "spec": {"containers": [{"name": "app", "image": "python:3.12"}]}
        }
      }
    }
  }
}
)";
  const std::string out = Rewrite(in);
  const auto parsed = nlohmann::json::parse(out);
  const auto& annotations =
      parsed["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["annotations"];
  CHECK(annotations["instrumentation.opentelemetry.io/inject-python"] == "true");
  CHECK(annotations["traceassist.io/managed"] ==
        "inject-python,container-names,digests=4db211e5.1f6a832c");
  Options remove;
  remove.action = Action::kRemove;
  CHECK(Rewrite(out, remove) == in);
}

TEST_CASE("kind: List items are instrumented in place; other kinds pass through", "[rewrite]") {
  const std::string in =
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: "
      "s}\n"
      "- apiVersion: apps/v1\n  kind: ReplicaSet\n  metadata:\n    name: rs\n  spec:\n    "
      "template:\n"
      "      spec:\n        containers:\n        - name: app\n          image: openjdk:17\n"
      "- apiVersion: example.com/v1\n  kind: Deployment\n  metadata: {name: crd}\n";
  auto result = RewriteManifests(in, {});
  REQUIRE(result.ok());
  REQUIRE(result.value().report.objects.size() == 2);
  CHECK(result.value().report.objects[0].Ref() == "replicaset/rs");
  CHECK(result.value().report.objects[0].document == 1);
  CHECK(result.value().report.objects[1].Ref() == "deployment/crd");
  CHECK(result.value().report.objects[1].reasons == std::vector<std::string>{"unsupported_kind"});
  CHECK(result.value().text ==
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: "
        "s}\n"
        "- apiVersion: apps/v1\n  kind: ReplicaSet\n  metadata:\n    name: rs\n  spec:\n    "
        "template:\n"
        "      metadata:\n        annotations:\n" +
            JavaLines("          ") +
            "      spec:\n        containers:\n        - name: app\n          image: openjdk:17\n"
            "- apiVersion: example.com/v1\n  kind: Deployment\n  metadata: {name: crd}\n");
}

TEST_CASE("a template shared through an anchor is skipped with a reason, not half-edited",
          "[rewrite]") {
  const std::string in =
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: "
      "{name: a}\n"
      "  spec: &s\n    template:\n      spec:\n        containers: [{name: app, image: "
      "openjdk:17}]\n"
      "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: b}\n  spec: *s\n";
  auto result = RewriteManifests(in, {});
  REQUIRE(result.ok());
  CHECK(result.value().text == in);
  CHECK(result.value().report.objects[0].reasons.front() == "yaml_anchor");
  CHECK_FALSE(result.value().report.changes_made);
}

TEST_CASE("remove deletes emptied maps whose last value is plain and holds commas", "[rewrite]") {
  const std::string in =
      "kind: Pod\napiVersion: v1\nmetadata:\n  annotations:\n"
      "    instrumentation.opentelemetry.io/container-names: app\n"
      "    instrumentation.opentelemetry.io/inject-java: \"true\"\n"
      "    traceassist.io/managed: inject-java,container-names\n  labels:\n    app: x\n"
      "spec:\n  containers: [{name: app, image: openjdk:17}]\n";
  Options remove;
  remove.action = Action::kRemove;
  CHECK(Rewrite(in, remove) ==
        "kind: Pod\napiVersion: v1\nmetadata:\n  labels:\n    app: x\nspec:\n  containers: [{name: "
        "app, image: openjdk:17}]\n");
}

TEST_CASE("errors name the document, line and column", "[rewrite]") {
  auto bad = RewriteManifests("a: 1\n---\nb: [1, 2\nc: 3\n", {});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().where().document == 2);
  CHECK(bad.status().where().line == 4);
  CHECK(bad.status().ToString().rfind("document 2, line 4, column", 0) == 0);

  auto nul = RewriteManifests(std::string("a: 1\nb: \0\n", 10), {});
  REQUIRE_FALSE(nul.ok());
  CHECK(nul.status().where().line == 2);
  CHECK(nul.status().where().column == 4);

  CHECK_FALSE(RewriteManifests("a: \xC3\x28\n", {}).ok());
  CHECK_FALSE(RewriteManifests(std::string(5000, '['), {}).ok());
  TextLimits small;
  small.max_bytes = 10;
  CHECK(RewriteManifests("a: 123456789012\n", {}, small).status().message().find("limit") !=
        std::string::npos);
}

TEST_CASE("alias bombs and self-references are refused in linear time; modest aliasing is fine",
          "[rewrite]") {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 30; ++i) {
    const std::string name = std::to_string(i), previous = std::to_string(i - 1);
    bomb.append("a").append(name).append(": &a").append(name).append(" [");
    for (int k = 0; k < 9; ++k) bomb.append(k ? ", *a" : "*a").append(previous);
    bomb += "]\n";
  }
  auto result = RewriteManifests("---\nok: 1\n---\n" + bomb, {});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().where().document == 2);
  CHECK(result.status().message().find("alias bomb") != std::string::npos);

  auto loop = RewriteManifests("a: 1\nself: &loop [x, *loop]\n", {});
  REQUIRE_FALSE(loop.ok());
  CHECK(loop.status().message().find("cycle") != std::string::npos);
  CHECK(loop.status().where().line == 2);

  const std::string shared =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
      "      containers:\n      - name: app\n        image: openjdk:17\n        env: &env [{name: "
      "A, value: b}]\n"
      "      - name: side\n        image: redis:7\n        env: *env\n";
  auto fine = RewriteManifests(shared, {});
  REQUIRE(fine.ok());
  CHECK(fine.value().report.changes_made);
}

TEST_CASE("ViewFromJson reads the same view as the YAML reader", "[json]") {
  const auto object =
      nlohmann::json::parse(R"({"kind": "Pod", "metadata": {"generateName": "web-", "annotations":
    {"a": "b"}}, "spec": {"shareProcessNamespace": false, "containers": [{"name": "c", "image": "node:20",
    "command": ["node"], "env": [{"name": "X", "valueFrom": {}}], "livenessProbe": {"httpGet": {"path": "/h"}}}],
    "initContainers": [{"name": "i", "image": "busybox"}]}})");
  const WorkloadView w = ViewFromJson(object);
  CHECK(w.has_template);
  CHECK(w.name == "web-");
  CHECK(w.annotations == Annotations{{"a", "b"}});
  REQUIRE(w.containers.size() == 2);
  CHECK(w.containers[0].env[0].value_from);
  CHECK(w.containers[0].probe_paths == std::vector<std::string>{"/h"});
  CHECK(w.containers[1].role == ContainerRole::kInitContainer);
  CHECK(w.share_process_namespace == false);
}

TEST_CASE("unified diffs match diff -u", "[diff]") {
  CHECK(UnifiedDiff("a\nb\n", "a\nb\n", "x", "y").empty());
  CHECK(UnifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nnew\n5\n6\n7\n8\n9\n", "a/f",
                    "b/f") == "--- a/f\n+++ b/f\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+new\n 5\n 6\n 7\n");
  CHECK(UnifiedDiff("a\nb", "a\nc", "x", "y") ==
        "--- x\n+++ y\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at "
        "end of file\n");
  CHECK(UnifiedDiff("", "a\n", "x", "y") == "--- x\n+++ y\n@@ -0,0 +1,1 @@\n+a\n");
}

TEST_CASE("a stream split at document markers rewrites to the same bytes and numbers",
          "[rewrite]") {
  std::string doc =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
      "      containers: [{name: app, image: 'node:20'}]\n";
  std::string stream = "# head\n";
  for (int i = 0; i < 9; ++i) stream += (i ? "---\n" : "") + doc + "data: |\n  ---not-a-marker\n";
  const auto whole = RewriteManifests(stream, {});
  REQUIRE(whole.ok());
  const auto pieces = SplitStream(stream, 4);
  REQUIRE(pieces.size() == 4);
  RewriteOutput joined;
  std::string rejoined;
  for (auto piece : pieces) {
    rejoined += piece;
    CHECK(piece.substr(0, 3) == (piece.data() == stream.data() ? "# h" : "---"));
    auto part = RewriteManifests(piece, {});
    REQUIRE(part.ok());
    AppendPiece(joined, std::move(part).value());
  }
  CHECK(rejoined == stream);
  CHECK(joined.text == whole.value().text);
  CHECK(joined.documents == 9);
  REQUIRE(joined.report.objects.size() == 9);
  CHECK(joined.report.objects[8].document == 9);
  // Lines count from the start of the whole stream: "# head", then 10 lines per document.
  for (std::size_t i = 0; i < 9; ++i) {
    CHECK(joined.report.objects[i].line == whole.value().report.objects[i].line);
    CHECK(joined.report.objects[i].containers.at(0).line ==
          whole.value().report.objects[i].containers.at(0).line);
  }
  CHECK(joined.report.objects[0].line == 4);
  CHECK(joined.report.objects[8].line == 84);
  CHECK(joined.report.objects[8].containers.at(0).line == 88);
  CHECK(SplitStream("a: 1\n", 4).size() == 1);
}

TEST_CASE("joined pieces report an error where the whole stream would", "[rewrite]") {
  const std::string doc =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
      "      containers: [{name: app, image: 'node:20'}]\n";
  std::string stream = "# head\n";
  for (int i = 0; i < 8; ++i) stream += (i ? "---\n" : "") + doc;
  stream += "---\nkind: Pod\nmetadata: {name: [broken\n";
  const auto whole = RewriteManifests(stream, {});
  REQUIRE(!whole.ok());
  std::vector<Result<RewriteOutput>> parts;
  for (auto piece : SplitStream(stream, 4)) parts.push_back(RewriteManifests(piece, {}));
  REQUIRE(parts.size() == 4);
  const auto joined = JoinPieces(std::move(parts));
  REQUIRE(!joined.ok());
  CHECK(joined.status().message() == whole.status().message());
  CHECK(joined.status().where().document == 9);
  CHECK(joined.status().where().document == whole.status().where().document);
  CHECK(joined.status().where().line == whole.status().where().line);
  CHECK(joined.status().where().column == whole.status().where().column);
}

TEST_CASE("objects a controller owns are left to their owner", "[rewrite]") {
  // A ReplicaSet as `kubectl get rs -o yaml` shows it, next to its Deployment.
  const std::string owned =
      "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: cart-7d9f8c\n"
      "  ownerReferences:\n  - apiVersion: apps/v1\n    kind: Deployment\n    name: cart\n"
      "    uid: 6f0e0a4e\n    controller: true\n    blockOwnerDeletion: true\n"
      "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n"
      "        image: openjdk:17\n";
  const std::string deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\nspec:\n  template:\n"
      "    spec:\n      containers:\n      - name: app\n        image: openjdk:17\n";
  auto result = RewriteManifests(owned + "---\n" + deployment, {});
  REQUIRE(result.ok());
  const Report& report = result.value().report;
  REQUIRE(report.objects.size() == 2);
  CHECK(report.objects[0].status == ObjectStatus::kSkipped);
  CHECK(report.objects[0].reasons == std::vector<std::string>{"owned_by_controller"});
  CHECK(report.objects[1].status == ObjectStatus::kInstrumented);
  REQUIRE(report.warnings.size() == 1);
  CHECK(report.warnings[0].code == "owned_by_controller");
  CHECK(report.warnings[0].message.find("Deployment/cart") != std::string::npos);
  CHECK(result.value().text.rfind(owned + "---\n", 0) == 0);  // the ReplicaSet is untouched

  SECTION("uninstrument leaves it alone too") {
    Options remove;
    remove.action = Action::kRemove;
    CHECK(Rewrite(owned, remove) == owned);
  }
  SECTION("an owner that is not the controller does not count") {
    std::string weak = owned;
    weak.replace(weak.find("controller: true"), 16, "controller: false");
    auto instrumented = RewriteManifests(weak, {});
    REQUIRE(instrumented.ok());
    CHECK(instrumented.value().report.objects[0].status == ObjectStatus::kInstrumented);
  }
  SECTION("instrument_owned (the webhook's pods mode) instruments it") {
    Options pods;
    pods.instrument_owned = true;
    auto instrumented = RewriteManifests(owned, pods);
    REQUIRE(instrumented.ok());
    CHECK(instrumented.value().report.objects[0].status == ObjectStatus::kInstrumented);
  }
}

TEST_CASE("added values are single-quoted unless the file already holds a double quote",
          "[rewrite][quotes]") {
  const std::string pod =
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
      "  - name: app\n    image: openjdk:17\n";
  CHECK(Rewrite(pod).find("inject-java: 'true'\n") != std::string::npos);
  // Any '"' decides, even in a comment; an explicit style wins over the file.
  CHECK(Rewrite("# \"quoted\"\n" + pod).find("inject-java: \"true\"\n") != std::string::npos);
  Options single;
  single.quote_style = QuoteStyle::kSingle;
  CHECK(Rewrite("# \"quoted\"\n" + pod, single).find("inject-java: 'true'\n") != std::string::npos);
  Options twice;
  twice.quote_style = QuoteStyle::kDouble;
  CHECK(Rewrite(pod, twice).find("inject-java: \"true\"\n") != std::string::npos);
  CHECK(ResolveQuoteStyle(QuoteStyle::kMatchFile, "a: 'b'") == QuoteStyle::kSingle);
  CHECK(ResolveQuoteStyle(QuoteStyle::kMatchFile, "a: \"b\"") == QuoteStyle::kDouble);
  // Re-runs recognise both styles: either output, rewritten again, is unchanged.
  for (const std::string& once : {Rewrite(pod), Rewrite(pod, twice)}) {
    const auto again = RewriteManifests(once, {});
    REQUIRE(again.ok());
    CHECK_FALSE(again.value().report.changes_made);
    Options remove;
    remove.action = Action::kRemove;
    CHECK(Rewrite(once, remove) == pod);
  }
}
