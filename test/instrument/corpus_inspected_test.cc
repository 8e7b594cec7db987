// The shared corpus with image inspection (issue 16 acceptance), facts from its mirror image
// configs (corpus_image_facts.h) as --inspect-layers would give them. The corpus measures the
// rules; nothing here is fitted to it. bench/detect-accuracy --inspected prints the same figures.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "corpus_image_facts.h"
#include "traceassist/instrument/rewrite.h"

using namespace traceassist::instrument;
namespace fs = std::filesystem;

TEST_CASE("corpus with image facts: no wrong answer, no infrastructure instrumented, recall",
          "[corpus_inspected]") {
  const fs::path corpus = TRACEASSIST_CORPUS_DIR;
  if (!fs::exists(corpus / "truth.json") || !fs::exists(corpus / "images")) {
    WARN("skipped: " << corpus.string() << " has no truth.json or images/ (the shared corpus)");
    return;
  }
  const traceassist::test::CorpusImageFacts facts(corpus / "images", /*layers=*/true);
  REQUIRE(facts.size() >= 20);
  std::ifstream truth_in(corpus / "truth.json");
  const auto truth = nlohmann::json::parse(truth_in);

  Options options;
  options.image_facts = facts.Lookup();
  options.enable_go = options.enable_nginx = options.init_containers = true;
  std::map<std::string, ObjectReport> objects;  // "file kind/name"
  std::set<std::string> files;
  for (const auto& row : truth) files.insert(row["file"].get<std::string>());
  for (const std::string& file : files) {
    std::ifstream in(corpus / "files" / file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto out = RewriteManifests(text.str(), options);
    REQUIRE(out.ok());
    for (auto& o : out.value().report.objects) objects[file + " " + o.kind + "/" + o.name] = o;
  }

  int named = 0, right = 0, instrumentable = 0, instrumentable_right = 0;
  static const std::set<std::string> kInstrumentable = {"java", "nodejs", "python",      "dotnet",
                                                        "go",   "nginx",  "apache-httpd"};
  for (const auto& row : truth) {
    std::string name = row["name"];
    if (name.rfind("generateName:", 0) == 0) name = name.substr(13);
    const std::string key =
        row["file"].get<std::string>() + " " + row["kind"].get<std::string>() + "/" + name;
    REQUIRE(objects.count(key) == 1);
    const ObjectReport& o = objects[key];
    const auto c =
        std::find_if(o.containers.begin(), o.containers.end(),
                     [&](const ContainerReport& x) { return x.name == row["container"]; });
    REQUIRE(c != o.containers.end());
    const std::string want = row["language"];
    const std::string got(ToString(c->language));
    INFO(key << " " << c->name << ": truth " << want << ", detected " << got);
    if (got != "unknown") {
      ++named;
      CHECK(got == want);
      right += got == want;
    }
    if (want == "none") CHECK_FALSE(c->instrumented);
    if (kInstrumentable.count(want)) {
      ++instrumentable;
      instrumentable_right += got == want;
    }
  }
  CHECK(instrumentable == 23);
  CHECK(right == named);  // precision 1.0: with 30 containers, >= 0.98 allows no wrong answer
  CHECK(instrumentable_right >= 20);
}
