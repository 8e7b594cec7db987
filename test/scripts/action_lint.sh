#!/usr/bin/env bash
# Lints the GitHub Action: shellcheck (Debian) on its script, and actionlint (pinned in
# tools/actionlint/go.mod, built with Go >= 1.24 from the Go module proxy) on the README's example
# workflow run against the real action.yml through `uses: ./`, so actionlint reads the action's
# metadata (inputs, outputs) and shellchecks the workflow's scripts. A workflow with a wrong input
# must be refused, so the check can fail.
set -euo pipefail
binary=${1:?usage: action_lint.sh path/to/traceassist}
source_dir=${TRACEASSIST_SOURCE_DIR:?TRACEASSIST_SOURCE_DIR must point at the source tree}
command -v shellcheck > /dev/null || { echo "SKIP: shellcheck is not installed (scripts/install-deps.sh --test)"; exit 77; }

(cd "$source_dir" && shellcheck -x action/instrument.sh test/scripts/action_runner.sh test/scripts/lib/serve.bash)
echo "ok: shellcheck finds nothing in action/instrument.sh"

go=
for candidate in /usr/local/go/bin/go "$(command -v go || true)"; do
  [[ -x "$candidate" ]] || continue
  minor=$("$candidate" env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
  if [[ -n "$minor" ]] && ((minor >= 24)); then go=$candidate; break; fi
done
[[ -n "$go" ]] || { echo "SKIP: actionlint needs Go >= 1.24 (Debian's golang-go is older; see tools/actionlint)"; exit 77; }
actionlint="$(cd "$(dirname "$binary")/.." && pwd)/tools/actionlint"
if [[ ! -x "$actionlint" || "$source_dir/tools/actionlint/go.sum" -nt "$actionlint" ]]; then
  (cd "$source_dir/tools/actionlint" && "$go" build -o "$actionlint" github.com/rhysd/actionlint/cmd/actionlint) ||
    { echo "SKIP: cannot build actionlint (is the Go module proxy reachable?)"; exit 77; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/.github/workflows"
cp -r "$source_dir/action.yml" "$source_dir/action" "$work/"
git -C "$work" init -q
sed 's|uses: octo-org/traceassist@v1|uses: ./|' "$source_dir/examples/github/traceassist.yml" \
  > "$work/.github/workflows/traceassist.yml"
(cd "$work" && "$actionlint" -color=false .github/workflows/traceassist.yml)
echo "ok: actionlint accepts the example workflow against action.yml"

sed 's|mode: check|mode: check\n          manifest_paths: deploy/app.yaml|' "$work/.github/workflows/traceassist.yml" \
  > "$work/.github/workflows/wrong.yml"
if (cd "$work" && "$actionlint" -color=false .github/workflows/wrong.yml) > "$work/wrong.out" 2>&1; then
  echo "FAIL: actionlint accepted an input action.yml does not declare"; exit 1
fi
grep -q 'manifest_paths' "$work/wrong.out" || { echo "FAIL: actionlint failed for another reason:"; cat "$work/wrong.out"; exit 1; }
echo "ok: actionlint refuses an input that action.yml does not declare"
