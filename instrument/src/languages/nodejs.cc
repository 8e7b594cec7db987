// Node.js: the Operator's inject-nodejs.
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

constexpr sv kAliases[] = {"node", "node.js", "javascript"};
constexpr sv kImages[] = {"node", "distroless/nodejs*", "chainguard/node*", "bitnami/node",
                          "mhart/alpine-node"};
constexpr sv kEnvStrong[] = {"NODE_OPTIONS"};
constexpr sv kEnv[] = {"NODE_ENV", "NPM_CONFIG_*", "UV_THREADPOOL_SIZE"};
constexpr sv kLaunchers[] = {"node", "nodejs", "npm",         "npx",    "yarn",
                             "pnpm", "pm2",    "pm2-runtime", "nodemon"};
constexpr sv kFiles[] = {".js", ".mjs", ".cjs"};
constexpr sv kMounts[] = {"/app/node_modules"};
// Not "node" (node-exporter, csi-node-driver-registrar) nor "js" (static front ends on nginx).
constexpr sv kTokens[] = {"nodejs", "expressjs", "nestjs", "nextjs"};
constexpr sv kAppendedEnv[] = {"NODE_OPTIONS"};

// Set by the official images in their config (image inspection only).
constexpr sv kImageEnv[] = {"NODE_VERSION", "YARN_VERSION"};
// Build steps in an image's history that install or build the runtime.
constexpr sv kHistory[] = {"npm ", "yarn ", "pnpm ", "nodejs"};

}  // namespace

extern constinit const LanguageProfile kNodejsProfile = [] {
  LanguageProfile p{};
  p.language = Language::kNodejs;
  p.name = "nodejs";
  p.aliases = kAliases;
  p.detection.images = kImages;
  p.detection.env_strong = kEnvStrong;
  p.detection.env = kEnv;
  p.detection.launchers = kLaunchers;
  p.detection.file_suffixes = kFiles;
  p.detection.mount_prefixes = kMounts;
  p.detection.image_tokens = kTokens;
  p.detection.versioned_program = "node";
  p.detection.image_env = kImageEnv;
  p.detection.history_words = kHistory;
  p.operator_injection = true;
  p.init_containers = true;
  p.container_names_key = "nodejs-container-names";
  p.appended_env = kAppendedEnv;
  return p;
}();

}  // namespace traceassist::instrument
