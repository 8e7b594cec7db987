// Replays every input the fuzzers found a problem with (test/data/regressions/<target>/) under the
// same checks the fuzz targets make, so each fixed crash or property violation stays fixed in the
// normal (g++) test run.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../fuzz/rewrite_properties.h"
#include "traceassist/instrument/detector.h"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> Fixtures(const char* target) {
  std::vector<fs::path> files;
  for (const auto& e :
       fs::directory_iterator(fs::path(TRACEASSIST_TEST_DATA_DIR) / "regressions" / target)) {
    if (e.is_regular_file() && e.path().filename() != "README.md") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("fuzz regressions: rewrite properties hold", "[fuzz]") {
  const auto files = Fixtures("rewrite");
  REQUIRE(!files.empty());
  for (const auto& file : files) {
    const std::string input = Read(file);
    for (const auto& options : traceassist::fuzz::PropertyOptionSets()) {
      INFO(file.filename().string() << " (instrumentation=" << options.instrumentation << ")");
      CHECK(traceassist::fuzz::CheckRewriteProperties(input, options) == "");
    }
  }
}

TEST_CASE("fuzz property: the round-trip fixtures hold it too", "[fuzz]") {
  // test/data/roundtrip/ holds the layouts whose bytes uninstrument must give back (issue 18 item
  // 7), among them the `{}` under a flow parent that yaml.dict lets the fuzzer build.
  int cases = 0;
  for (const auto& e : fs::directory_iterator(fs::path(TRACEASSIST_TEST_DATA_DIR) / "roundtrip")) {
    const std::string input = Read(e.path());
    for (const auto& options : traceassist::fuzz::PropertyOptionSets()) {
      INFO(e.path().filename().string() << " (instrumentation=" << options.instrumentation << ")");
      CHECK(traceassist::fuzz::CheckRewriteProperties(input, options) == "");
      ++cases;
    }
  }
  CHECK(cases > 0);
}

TEST_CASE("fuzz regressions: rules files load or fail with a message", "[fuzz]") {
  const auto files = Fixtures("rules");
  REQUIRE(!files.empty());
  for (const auto& file : files) {
    INFO(file.filename().string());
    auto loaded = traceassist::instrument::LoadDetectionRules(Read(file));
    if (!loaded.ok()) CHECK(!loaded.status().message().empty());
  }
}
