// The signals of one container, for the detector (private): what its image name, env names,
// command, probes and mounts say about its language, each with the evidence a report shows.
#pragma once

#include <string>
#include <vector>

#include "traceassist/instrument/image_facts.h"
#include "traceassist/instrument/language.h"
#include "traceassist/instrument/workload.h"

namespace traceassist::instrument {

struct Signal {
  Language language;
  Confidence confidence;
  std::string evidence;
  bool supporting = false;  // counts only beside other evidence for the same language
};

struct ContainerSignals {
  std::vector<Signal> signals;
  // The started program is a utility (a sleep loop, a copy job) and what says so.
  bool utility = false;
  std::string utility_evidence;
};

// The signals of `container`: the manifest's, or with `image` the image config's side of it
// (ImageConfigView), whose evidence says "image config ..." and which also reads the runtime
// version variables official images set.
ContainerSignals CollectSignals(const ContainerView& container, const ImageFacts* image = nullptr);

}  // namespace traceassist::instrument
