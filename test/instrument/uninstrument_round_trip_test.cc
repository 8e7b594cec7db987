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
