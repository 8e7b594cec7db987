// Per container (private to the library): the language after overrides and whether the Operator
// may inject it. Decide() (policy.cc) is the one caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "traceassist/instrument/options.h"
#include "traceassist/instrument/reason.h"
#include "traceassist/instrument/report.h"
#include "traceassist/instrument/workload.h"

namespace traceassist::instrument {

// The template's traceassist.io/* annotations.
struct Overrides {
  std::optional<Language> workload;                          // traceassist.io/language
  std::vector<std::pair<std::string, Language>> containers;  // traceassist.io/container-languages
  std::string go_exe;                                        // traceassist.io/go-target-exe
  bool opted_out = false;
  std::vector<std::string> invalid;  // keys with bad values
};

// Reads the overrides; a bad value lands in `invalid`, never an error.
Overrides ReadOverrides(const Annotations& annotations);

// Precedence, most specific first: --container-language, the template's container-languages
// annotation, then (for application containers only, never for recognised infrastructure; a bare
// base image with no command is not that) the template's language annotation, --language, and
// last what detection found.
void ApplyOverrides(const ContainerView& c, const Options& options, const Overrides& overrides,
                    bool bare_base_image, ContainerReport& report);

// What CheckContainer found.
struct Eligibility {
  Eligibility(std::optional<Reason> why = {}, std::string exe = {})
      : reason(why), go_exe(std::move(exe)) {}
  std::optional<Reason> reason;  // none when eligible
  std::string go_exe;
};

// Why the container cannot be instrumented, or its Go executable when it can and is Go.
// `image_go_exe`: the Go executable the image starts (Detection::go_exe), else empty.
Eligibility CheckContainer(const WorkloadView& w, const ContainerView& c, const ContainerReport& r,
                           const Options& options, const Overrides& overrides,
                           const std::string& image_go_exe);

}  // namespace traceassist::instrument
