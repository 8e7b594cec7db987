// What the metrics and the usage event need of a rewrite's report, kept instead of the report: the
// API rewrites a large manifest piece by piece and drops each piece's report once it is answered
// (56k objects held ~50 MB of report).
//
// Thread-safety: a plain value; no shared state.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "traceassist/instrument/report.h"

namespace traceassist::webhook {

struct ReportSummary {
  int objects = 0;
  int instrumented = 0;             // objects whose status is instrumented
  std::set<std::string> languages;  // of the containers that were instrumented
  // The API's object metrics (TallyObjects; admissions count theirs in AdmissionFinished):
  // objects per (status, language of an app container or "none"), an object with app containers
  // of two languages counted once under each;
  std::map<std::pair<std::string, std::string>, int> by_status_language;
  // and skipped objects per first reason code ("" when a skip carries none).
  std::map<std::string, int> skipped_by_reason;

  // Adds the objects of `report` to objects, instrumented and languages (the usage event).
  void Add(const instrument::Report& report);
  // Adds the objects of `report` to by_status_language and skipped_by_reason.
  void TallyObjects(const instrument::Report& report);
};

}  // namespace traceassist::webhook
