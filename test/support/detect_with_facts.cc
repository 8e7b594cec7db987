// Test and bench only: `traceassist detect` and `instrument --report json` over one manifest file,
// with image facts from the shared corpus's mirror image configs (corpus_image_facts.h) instead of
// a registry. bench/detect-accuracy --inspected runs it; the registry-backed path is `traceassist
// detect --inspect-images` (issue 16).
//
// Usage: detect_with_facts [--layers] FACTS_DIR FILE
// Prints {"detect": <detect --format json>, "instrument": <instrument --report json, with Go, nginx
// and init containers enabled>}. Exit 2 with a message on bad input.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "corpus_image_facts.h"
#include "traceassist/instrument/report.h"
#include "traceassist/instrument/rewrite.h"

namespace ti = traceassist::instrument;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool layers = false;
  if (!args.empty() && args[0] == "--layers") {
    layers = true;
    args.erase(args.begin());
  }
  if (args.size() != 2) {
    std::cerr << "usage: detect_with_facts [--layers] FACTS_DIR FILE\n";
    return 2;
  }
  try {
    const traceassist::test::CorpusImageFacts facts(args[0], layers);
    std::ifstream in(args[1], std::ios::binary);
    if (!in) {
      std::cerr << "detect_with_facts: cannot read " << args[1] << '\n';
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();

    ti::Options options;
    options.image_facts = facts.Lookup();
    auto detected = ti::DetectManifests(text.str(), options);
    options.enable_go = options.enable_nginx = options.init_containers = true;
    auto rewritten = ti::RewriteManifests(text.str(), options);
    if (!detected.ok() || !rewritten.ok()) {
      std::cerr << "detect_with_facts: " << args[1] << ": "
                << (detected.ok() ? rewritten.status() : detected.status()).message() << '\n';
      return 2;
    }
    nlohmann::json out = {{"detect", ti::ToDetectJson(detected.value())},
                          {"instrument", ti::ToJson(rewritten.value().report)}};
    std::cout << out.dump(1) << '\n';
  } catch (const std::exception& e) {
    std::cerr << "detect_with_facts: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
