// The negative set (test/data/detect/negative-set.yaml): infrastructure and utility containers with
// their usual commands and environment. None may be given a language, so none can be instrumented
// whatever the options.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "traceassist/instrument/rewrite.h"

using namespace traceassist::instrument;

namespace {

std::string NegativeSet() {
  const auto path =
      std::filesystem::path(TRACEASSIST_TEST_DATA_DIR) / "detect" / "negative-set.yaml";
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Options Everything() {
  Options o;
  o.enable_go = true;
  o.enable_nginx = true;
  o.init_containers = true;
  o.min_confidence = Confidence::kLow;
  return o;
}

}  // namespace

TEST_CASE("no infrastructure or utility container of the negative set gets a language",
          "[detector][negative]") {
  const std::string yaml = NegativeSet();
  auto detected = DetectManifests(yaml, Everything());
  INFO(detected.status().ToString());
  REQUIRE(detected.ok());
  std::size_t containers = 0;
  for (const auto& object : detected.value().objects) {
    for (const auto& c : object.containers) {
      ++containers;
      std::string evidence;
      for (const auto& e : c.evidence) evidence += e + "; ";
      INFO(c.name << " (" << c.image << "): " << ToString(c.language) << " from " << evidence);
      CHECK((c.language == Language::kNone || c.language == Language::kUnknown));
    }
  }
  CHECK(containers >= 50);

  auto rewritten = RewriteManifests(yaml, Everything());
  REQUIRE(rewritten.ok());
  CHECK(rewritten.value().text == yaml);
  for (const auto& object : rewritten.value().report.objects) {
    INFO(object.Ref());
    CHECK(object.status == ObjectStatus::kSkipped);
    CHECK(object.annotations_added.empty());
  }
}
