#include "traceassist/instrument/report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "match.h"

namespace traceassist::instrument {

std::string_view ToString(ObjectStatus status) {
  switch (status) {
    case ObjectStatus::kInstrumented:
      return "instrumented";
    case ObjectStatus::kUnchanged:
      return "unchanged";
    case ObjectStatus::kSkipped:
      return "skipped";
    case ObjectStatus::kUninstrumented:
      return "uninstrumented";
  }
  return "skipped";
}

std::string ObjectReport::Ref() const { return ToLower(kind) + "/" + name; }

void Report::Append(Report other) {
  changes_made = changes_made || other.changes_made;
  objects.insert(objects.end(), std::make_move_iterator(other.objects.begin()),
                 std::make_move_iterator(other.objects.end()));
  warnings.insert(warnings.end(), std::make_move_iterator(other.warnings.begin()),
                  std::make_move_iterator(other.warnings.end()));
}

nlohmann::json ToJson(const ContainerReport& c) {
  nlohmann::json j = {
      {"name", c.name},
      {"role", c.role == ContainerRole::kInitContainer ? "initContainer" : "container"},
      {"image", c.image},
      {"language", ToString(c.language)},
      {"confidence", ToString(c.confidence)},
      {"evidence", c.evidence},
      {"instrumented", c.instrumented},
  };
  if (!c.reason.empty()) j["reason"] = c.reason;
  if (c.line > 0) j["line"] = c.line;
  return j;
}

namespace {

nlohmann::json ObjectHeader(const ObjectReport& o) {
  nlohmann::json j = {
      {"document", o.document}, {"kind", o.kind}, {"name", o.name}, {"namespace", o.namespace_}};
  if (o.line > 0) j["line"] = o.line;
  return j;
}

nlohmann::json Containers(const ObjectReport& o) {
  nlohmann::json containers = nlohmann::json::array();
  for (const auto& c : o.containers) containers.push_back(ToJson(c));
  return containers;
}

}  // namespace

nlohmann::json ToJson(const Report& report) {
  nlohmann::json objects = nlohmann::json::array();
  for (const auto& o : report.objects) {
    nlohmann::json j = ObjectHeader(o);
    j["status"] = ToString(o.status);
    j["reasons"] = o.reasons;
    nlohmann::json added = nlohmann::json::object();
    for (const auto& [k, v] : o.annotations_added) added[k] = v;
    j["annotations_added"] = std::move(added);
    j["annotations_removed"] = o.annotations_removed;
    j["containers"] = Containers(o);
    objects.push_back(std::move(j));
  }
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& w : report.warnings) {
    nlohmann::json j = {
        {"document", w.document}, {"object", w.object}, {"code", w.code}, {"message", w.message}};
    if (w.line > 0) j["line"] = w.line;
    warnings.push_back(std::move(j));
  }
  return {{"changes_made", report.changes_made},
          {"objects", std::move(objects)},
          {"warnings", std::move(warnings)}};
}

nlohmann::json ToDetectJson(const Report& report) {
  nlohmann::json objects = nlohmann::json::array();
  for (const auto& o : report.objects) {
    nlohmann::json j = ObjectHeader(o);
    j["containers"] = Containers(o);
    objects.push_back(std::move(j));
  }
  return {{"objects", std::move(objects)}};
}

namespace {

std::string LanguageSummary(const ObjectReport& o) {
  std::string out;
  for (const auto& c : o.containers) {
    if (!c.instrumented) continue;
    if (!out.empty()) out += "; ";
    out += fmt::format("{} {}: {}", c.name, ToString(c.language),
                       c.evidence.empty() ? "" : c.evidence.front());
  }
  return out;
}

}  // namespace

std::string ToText(const Report& report, std::string_view source, bool dry_run) {
  std::string out;
  const std::string prefix = source.empty() ? std::string() : std::string(source) + ": ";
  for (const auto& o : report.objects) {
    std::string_view status = ToString(o.status);
    if (dry_run && o.status == ObjectStatus::kInstrumented) status = "would instrument";
    if (dry_run && o.status == ObjectStatus::kUninstrumented) status = "would uninstrument";
    out += fmt::format("{}{} {}", prefix, o.Ref(), status);
    if (o.status == ObjectStatus::kInstrumented || o.status == ObjectStatus::kUnchanged) {
      const std::string langs = LanguageSummary(o);
      if (!langs.empty()) out += fmt::format(" ({})", langs);
    } else if (o.status == ObjectStatus::kSkipped && !o.reasons.empty()) {
      std::string reasons;
      for (const auto& r : o.reasons) reasons += (reasons.empty() ? "" : ", ") + r;
      out += fmt::format(" ({})", reasons);
    }
    out += '\n';
  }
  for (const auto& w : report.warnings) {
    out += fmt::format("{}warning: {}{}{}\n", prefix, w.object, w.object.empty() ? "" : " ",
                       w.message);
  }
  return out;
}

std::string ToDetectText(const Report& report) {
  std::string out;
  for (const auto& o : report.objects) {
    out += o.Ref() + '\n';
    for (const auto& c : o.containers) {
      std::string evidence;
      for (const auto& e : c.evidence) evidence += (evidence.empty() ? "" : ", ") + e;
      out += fmt::format(
          "  {}{} {} ({}){}{}\n", c.role == ContainerRole::kInitContainer ? "init " : "", c.name,
          ToString(c.language), ToString(c.confidence), evidence.empty() ? "" : ": ", evidence);
    }
  }
  return out;
}

}  // namespace traceassist::instrument
