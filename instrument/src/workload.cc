#include "traceassist/instrument/workload.h"

#include <array>

namespace traceassist::instrument {
namespace {

struct KindInfo {
  std::string_view kind;
  std::string_view group;  // "" for the core group (apiVersion "v1")
};

constexpr std::array<KindInfo, 8> kKinds{{
    {"Pod", ""},
    {"ReplicationController", ""},
    {"Deployment", "apps"},
    {"StatefulSet", "apps"},
    {"DaemonSet", "apps"},
    {"ReplicaSet", "apps"},
    {"Job", "batch"},
    {"CronJob", "batch"},
}};

const KindInfo* FindKind(std::string_view kind) {
  for (const auto& info : kKinds) {
    if (info.kind == kind) return &info;
  }
  return nullptr;
}

}  // namespace

bool IsWorkloadKind(std::string_view kind) { return FindKind(kind) != nullptr; }

bool IsWorkloadApiVersion(std::string_view kind, std::string_view api_version) {
  const KindInfo* info = FindKind(kind);
  if (info == nullptr) return false;
  if (api_version.empty()) return true;
  const auto slash = api_version.find('/');
  const std::string_view group =
      slash == std::string_view::npos ? std::string_view{} : api_version.substr(0, slash);
  if (group == info->group) return true;
  // Old clusters served these kinds from extensions/v1beta1.
  return group == "extensions" && info->group == "apps" && kind != "StatefulSet";
}

std::vector<std::string_view> PodTemplatePath(std::string_view kind) {
  if (kind == "Pod") return {};
  if (kind == "CronJob") return {"spec", "jobTemplate", "spec", "template"};
  return {"spec", "template"};
}

const std::string* FindAnnotation(const Annotations& annotations, std::string_view key) {
  for (const auto& [k, v] : annotations) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace traceassist::instrument
