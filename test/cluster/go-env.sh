# Sourced by the cluster scripts: puts a Go >= 1.26 first in PATH or fails saying why. Debian's
# golang-go (1.19, /usr/bin/go) is installed for other tests and cannot build this module.
for dir in "${TRACEASSIST_GO_DIR:-}" /usr/local/go/bin "$(dirname "$(command -v go 2>/dev/null || echo /nonexistent/go)")"; do
  if [ -n "$dir" ] && [ -x "$dir/go" ]; then
    version=$("$dir/go" env GOVERSION 2>/dev/null || true)
    minor=$(echo "$version" | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
    if [ -n "$minor" ] && [ "$minor" -ge 26 ]; then
      export PATH="$dir:$PATH"
      break
    fi
  fi
  dir=
done
if [ -z "${dir:-}" ]; then
  echo "FAILED: the cluster tests need Go >= 1.26 (looked in \$TRACEASSIST_GO_DIR, /usr/local/go/bin and PATH; found: $(go version 2>&1 || true))" >&2
  exit 1
fi
# The module's go.mod says go 1.26.0; never let the go command download another toolchain.
export GOTOOLCHAIN=local
