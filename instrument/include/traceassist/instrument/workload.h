// A neutral view of one workload's pod template: what the policy needs to decide, and nothing of
// the syntax it came from. Built from YAML text (the CLI and API) or from a JSON object (the
// webhook), so both shells make the same decisions.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace traceassist::instrument {

enum class ContainerRole { kContainer, kInitContainer };

struct EnvVarView {
  std::string name;
  std::string value;        // literal value, empty when none
  bool value_from = false;  // set through valueFrom (a Secret or ConfigMap reference)
};

struct ContainerView {
  std::string name;
  std::string image;
  ContainerRole role = ContainerRole::kContainer;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<EnvVarView> env;
  std::vector<std::string> probe_paths;  // httpGet paths of liveness/readiness/startup probes
  std::vector<std::string> mount_paths;  // volumeMounts[].mountPath
  int line = 0;  // 1-based line of its name (else of its first key) in YAML text; 0 from JSON
};

using Annotations = std::vector<std::pair<std::string, std::string>>;

// The value of `key`; the first of duplicate keys wins, as in yaml-cpp and the API server. Null
// when absent.
const std::string* FindAnnotation(const Annotations& annotations, std::string_view key);

struct WorkloadView {
  std::string kind;           // "Deployment", "CronJob", "Pod", ...
  std::string name;           // metadata.name, or metadata.generateName when there is no name
  std::string namespace_;     // metadata.namespace (may be empty)
  bool has_template = false;  // false when the pod template (or Pod spec) is missing or malformed
  Annotations annotations;    // the pod template's annotations, in document order
  std::vector<ContainerView> containers;  // regular containers first, then init containers
  std::optional<bool> share_process_namespace;
  // The controller that owns the object: "Deployment/cart" from the metadata.ownerReferences entry
  // with controller: true; empty when no controller owns it.
  std::string controller;
  int line = 0;  // 1-based line of metadata.name (else of the object) in YAML text; 0 from JSON
};

// Kinds whose pod template TraceAssist instruments.
bool IsWorkloadKind(std::string_view kind);

// True when `api_version` is one under which `kind` is the core Kubernetes workload kind (an empty
// api_version is accepted). A CRD that reuses the name "Deployment" in another group is not.
bool IsWorkloadApiVersion(std::string_view kind, std::string_view api_version);

// The mapping keys that lead from the object's root to its pod template (for a Pod: none, the
// object is its own template). Valid only for IsWorkloadKind(kind).
std::vector<std::string_view> PodTemplatePath(std::string_view kind);

}  // namespace traceassist::instrument
