# The README's shell blocks (issue 18): each ```console block runs and its output must match what the
# README shows ("…" alone on a line stands for any lines, a line ending in "…" for any ending); a
# ```sh block, or a console block that cannot run here, must be marked `<!-- untested: REASON -->` on
# the line before it. The files the README names exist.
set -uo pipefail
TA="${1:?usage: $0 <path-to-traceassist-binary>}"
for tool in jq curl python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh --test installs it)"; exit 77; }
done
exec python3 "$(dirname "$0")/lib/readme_examples.py" "$(realpath "$TA")" "${TRACEASSIST_SOURCE_DIR:?}"
