# Sourced by test/scripts/deploy_*.sh. Provides the tools the deployment checks share: node_modules,
# installed into this directory (never committed) by `npm ci` from package-lock.json and reused while the
# lock file is unchanged (a lock keeps parallel ctest jobs from installing at the same time), and the real
# helm and kubectl of test/cluster.
DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SOURCE_DIR="${TRACEASSIST_SOURCE_DIR:-$(cd "$DEPLOY_DIR/../.." && pwd)}"

skip() { echo "SKIP: $*"; exit 77; }

# node_modules from the lock file (npm ci), unless an earlier run installed this exact lock file.
deploy_npm() {
  command -v node >/dev/null || skip "node is not installed (scripts/install-deps.sh --test installs it)"
  command -v npm >/dev/null || skip "npm is not installed (scripts/install-deps.sh --test installs it)"
  local stamp="$DEPLOY_DIR/node_modules/.traceassist-lock" want
  want="$(node --version) $(sha256sum "$DEPLOY_DIR/package-lock.json" | cut -d' ' -f1)"
  (
    flock 9
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
      echo "npm ci in test/deploy (cache test/deploy/.npm-cache)"
      (cd "$DEPLOY_DIR" && npm ci --no-audit --no-fund --loglevel=error --cache "$DEPLOY_DIR/.npm-cache") ||
        { echo "FAIL: npm ci failed (is the npm registry reachable?)"; exit 1; }
      echo "$want" > "$stamp"
    fi
  ) 9>"$DEPLOY_DIR/.lock" || exit 1
}

# The real helm and kubectl that test/cluster/build.sh builds (scripts/test.sh's "cluster build" part),
# first in PATH. Missing tools fail: the checks are not worth less because a build step was skipped.
CLUSTER_TOOLS="${TRACEASSIST_CLUSTER_TOOLS:-$SOURCE_DIR/build/cluster}"
CLUSTER_HARNESS="$CLUSTER_TOOLS/bin/harness"
deploy_cluster_tools() {
  for tool in helm kubectl harness; do
    [[ -x "$CLUSTER_TOOLS/bin/$tool" ]] ||
      { echo "FAIL: $CLUSTER_TOOLS/bin/$tool missing: run test/cluster/build.sh $CLUSTER_TOOLS (scripts/test.sh does)"; exit 1; }
  done
  export PATH="$CLUSTER_TOOLS/bin:$PATH"
  command -v jq >/dev/null || { echo "FAIL: jq is not installed (scripts/install-deps.sh --test)"; exit 1; }
}
