#include "report_summary.h"

namespace traceassist::webhook {

void ReportSummary::Add(const instrument::Report& report) {
  for (const auto& object : report.objects) {
    ++objects;
    if (object.status == instrument::ObjectStatus::kInstrumented) ++instrumented;
    for (const auto& container : object.containers) {
      if (container.instrumented) languages.emplace(instrument::ToString(container.language));
    }
  }
}

void ReportSummary::TallyObjects(const instrument::Report& report) {
  for (const auto& object : report.objects) {
    std::set<std::string> object_languages;
    for (const auto& container : object.containers) {
      if (container.role == instrument::ContainerRole::kContainer &&
          container.language != instrument::Language::kNone) {
        object_languages.emplace(instrument::ToString(container.language));
      }
    }
    if (object_languages.empty()) object_languages.emplace("none");
    const std::string status(instrument::ToString(object.status));
    for (const std::string& language : object_languages) ++by_status_language[{status, language}];
    if (object.status == instrument::ObjectStatus::kSkipped)
      ++skipped_by_reason[object.reasons.empty() ? std::string() : object.reasons.front()];
  }
}

}  // namespace traceassist::webhook
