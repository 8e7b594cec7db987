// Golden tests: every test/data/<case>.input.* is run through the real `traceassist instrument`
// binary (with the case's .args) and its stdout is compared byte for byte with <case>.golden.*, its
// JSON report (stderr, `--report json`) by parsed JSON with <case>.report.json. UPDATE_GOLDEN=1
// rewrites the golden files instead; review their diff before committing.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "test_support.h"

namespace traceassist::testing {
namespace {

bool UpdateGolden() {
  const char* v = std::getenv("UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

// The first line where two texts differ, to make a byte mismatch readable.
std::string FirstDifference(const std::string& want, const std::string& got) {
  std::size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  const std::size_t line_start = want.rfind('\n', i == 0 ? 0 : i - 1);
  const std::size_t from = line_start == std::string::npos ? 0 : line_start + 1;
  const int line = 1 + static_cast<int>(std::count(want.begin(), want.begin() + from, '\n'));
  auto excerpt = [&](const std::string& s) {
    const std::size_t end = s.find('\n', i);
    return nlohmann::json(s.substr(from, (end == std::string::npos ? s.size() : end) - from))
        .dump();
  };
  return "first difference at byte " + std::to_string(i) + ", line " + std::to_string(line) +
         "\n  golden: " + excerpt(want) + "\n  actual: " + excerpt(got);
}

}  // namespace

TEST_CASE("golden fixtures: output byte for byte, report by parsed JSON", "[golden]") {
  const auto fixtures = ListFixtures();
  REQUIRE(fixtures.size() >= 45);
  for (const auto& fixture : fixtures) {
    DYNAMIC_SECTION(fixture.name) {
      const auto run = RunTraceassist(InstrumentArgs(fixture), DataDir());
      INFO("stderr: " << run.err);
      REQUIRE(run.exit_code == 0);
      const auto report = nlohmann::json::parse(run.err, nullptr, false);
      REQUIRE_FALSE(report.is_discarded());

      if (UpdateGolden()) {
        WriteFile(fixture.golden, run.out);
        WriteFile(fixture.report, report.dump(2) + "\n");
        SUCCEED("updated " << fixture.name);
        continue;
      }
      REQUIRE(std::filesystem::exists(fixture.golden));
      REQUIRE(std::filesystem::exists(fixture.report));
      const std::string golden = ReadFile(fixture.golden);
      INFO((golden == run.out ? std::string("output matches") : FirstDifference(golden, run.out)));
      CHECK(run.out == golden);
      const auto want_report = nlohmann::json::parse(ReadFile(fixture.report));
      INFO("report diff (RFC 6902, golden -> actual): "
           << nlohmann::json::diff(want_report, report).dump());
      CHECK(report == want_report);
    }
  }
}

}  // namespace traceassist::testing
