// What a run of the instrumenter should do. A plain struct: every field has a documented default,
// the library never reads the environment. Thread-safe to share once built.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "traceassist/instrument/image_facts.h"
#include "traceassist/instrument/language.h"
#include "traceassist/instrument/status.h"

namespace traceassist::instrument {

class DetectionRules;

// How TraceAssist quotes the annotation values (and quoted keys) it adds.
enum class QuoteStyle {
  kMatchFile,  // double quotes when the input holds a '"' anywhere, else single quotes
  kSingle,     // 'value' (survives tools that wrap the file in double quotes, e.g. echo "...")
  kDouble,     // "value"
};

enum class Action {
  kInstrument,  // add (or correct) the annotations TraceAssist owns
  kRemove,      // remove exactly the annotations TraceAssist wrote (`traceassist uninstrument`)
};

struct Options {
  Action action = Action::kInstrument;

  // kMatchFile is decided on the whole input; a caller that rewrites a stream in pieces decides it
  // once on the whole stream (ResolveQuoteStyle) and passes kSingle or kDouble.
  QuoteStyle quote_style = QuoteStyle::kMatchFile;

  // Value written to every inject-<lang> annotation: "true" (the single Instrumentation in the
  // pod's namespace), "name", or "namespace/name". Validate with ValidateInstrumentationRef.
  std::string instrumentation = "true";

  // Language for every application container of this run (not for recognised infrastructure).
  std::optional<Language> language;

  // Language for named containers; wins over everything else.
  std::map<std::string, Language, std::less<>> container_languages;

  bool enable_go = false;             // the Operator's Go support is off by default and privileged
  bool enable_nginx = false;          // the Operator's nginx support is off by default
  bool init_containers = false;       // instrument init containers (Operator >= ~0.146)
  bool multi_instrumentation = true;  // the Operator's default since 0.110

  // Instrument objects that a controller owns (metadata.ownerReferences with controller: true).
  // Default false: the owner's template is what to change, and a changed ReplicaSet or Job makes
  // its controller replace it. The webhook's pods mode sets it, since there the Pod is the target.
  bool instrument_owned = false;

  // Detections below this confidence are reported but not instrumented.
  Confidence min_confidence = Confidence::kMedium;

  // Extra detection rules from a rules file; checked before the built-in ones. May be null.
  std::shared_ptr<const DetectionRules> rules;

  // What image inspection learned, by image reference (image_facts.h). Empty: detection reads the
  // manifest only. The manifest's own command and env win where they say something; recognised
  // infrastructure stays infrastructure whatever its image holds.
  ImageFactsLookup image_facts;
};

// Checks an Instrumentation reference: "true", a DNS-1123 name, or "namespace/name".
Status ValidateInstrumentationRef(std::string_view ref);

}  // namespace traceassist::instrument
