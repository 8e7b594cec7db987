# Sourced by test/scripts/deploy_*.sh. Provides the tools the deployment checks share, installed into this
# directory (never committed): node_modules by `npm ci` from package-lock.json, and helmrender built
# offline in GOPATH mode from Debian's Go packages. Both are reused while their inputs are unchanged, and a
# lock keeps parallel ctest jobs from installing at the same time.
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

# Builds test/deploy/.bin/helmrender (incremental: Go's build cache makes a rebuild take well under a second).
HELMRENDER="$DEPLOY_DIR/.bin/helmrender"
deploy_helmrender() {
  command -v go >/dev/null || skip "go is not installed (Debian golang-go; scripts/install-deps.sh --test)"
  for pkg in github.com/Masterminds/sprig github.com/ghodss/yaml; do
    [[ -d /usr/share/gocode/src/$pkg ]] || skip "/usr/share/gocode/src/$pkg missing (Debian golang-github-masterminds-sprig-dev / golang-github-ghodss-yaml-dev)"
  done
  # Go needs a build cache; without a HOME (some CI shells) keep it beside the binary.
  [[ -n "${HOME:-}" || -n "${GOCACHE:-}" ]] || export GOCACHE="$DEPLOY_DIR/.bin/gocache"
  (
    flock 9
    cd "$DEPLOY_DIR" && GO111MODULE=off GOFLAGS= GOPATH="$DEPLOY_DIR/gopath:/usr/share/gocode" \
      go build -o "$HELMRENDER" ./gopath/src/helmrender
  ) 9>"$DEPLOY_DIR/.lock" || { echo "FAIL: building helmrender"; exit 1; }
}
