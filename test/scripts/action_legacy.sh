#!/usr/bin/env bash
# The original harshit-jindal02/traceassist-action's three steps (reconstructed in lib/legacy-action:
# JSON built with awk/sed, the answer written back with echo -e "${{ env.modified_manifest_content }}")
# run through the runner imitation against a live `traceassist serve`, on a corpus manifest without
# double quotes of its own. The file written back must be valid YAML whose injected annotation
# values are strings: the single quotes TraceAssist writes there survive the old action's echo.
set -euo pipefail
binary=${1:?usage: action_legacy.sh path/to/traceassist}
source_dir=${TRACEASSIST_SOURCE_DIR:?TRACEASSIST_SOURCE_DIR must point at the source tree}
corpus=${TRACEASSIST_CORPUS_DIR:?TRACEASSIST_CORPUS_DIR must point at the shared corpus}/files
lib="$source_dir/test/scripts/lib"
for tool in jq curl python3; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh --test)"; exit 77; }
done
python3 -c 'import yaml' 2> /dev/null || { echo "SKIP: python3-yaml is not installed (scripts/install-deps.sh --test)"; exit 77; }

# shellcheck source=test/scripts/lib/serve.bash
source "$lib/serve.bash"
work=$(mktemp -d)
trap 'stop_servers; rm -rf "$work"' EXIT
start_server "$binary" "$work/server.log"

# The corpus's Istio bookinfo double-quotes a few values and comment words; the copy single-quotes
# them, so the file has no double quote of its own (the old action breaks on any: see the README).
mkdir -p "$work/repo/k8s" "$work/result"
sed "s/\"/'/g" "$corpus/istio-bookinfo.yaml" > "$work/repo/k8s/bookinfo.yaml"
! grep -q '"' "$work/repo/k8s/bookinfo.yaml" || { echo "FAIL: the test manifest still has a double quote"; exit 1; }
cp "$work/repo/k8s/bookinfo.yaml" "$work/original.yaml"

python3 "$lib/github_runner_imitation.py" "$lib/legacy-action" "$work/repo" "$work/result" \
  traceassist_host="http://127.0.0.1:$port" manifest_path=k8s/bookinfo.yaml deployment_name=bookinfo
echo "ok: the original action's three steps ran"

python3 - "$work/original.yaml" "$work/repo/k8s/bookinfo.yaml" << 'PY'
import sys, yaml
before = list(yaml.safe_load_all(open(sys.argv[1])))
after = list(yaml.safe_load_all(open(sys.argv[2])))  # raises when the file is not valid YAML
print("ok: the written file is valid YAML")
injected = 0
def objects(doc):
    if not doc:
        return []
    return doc.get("items", []) if doc.get("kind") == "List" else [doc]
def template_annotations(obj):
    meta = (obj.get("spec") or {}).get("template", {}).get("metadata") or {}
    return meta.get("annotations") or {}
for doc_before, doc_after in zip(before, after):
    for obj_before, obj_after in zip(objects(doc_before), objects(doc_after)):
        old = template_annotations(obj_before)
        for key, value in template_annotations(obj_after).items():
            if key in old:
                continue
            injected += 1
            if not isinstance(value, str):
                sys.exit(f"FAIL: {obj_after['metadata']['name']}: {key} is {value!r} "
                         f"({type(value).__name__}), not a string")
if injected == 0:
    sys.exit("FAIL: no annotation was injected")
print(f"ok: all {injected} injected annotation values are strings")
PY
grep -q "inject-.*: 'true'" "$work/repo/k8s/bookinfo.yaml" || { echo "FAIL: no single-quoted 'true'"; exit 1; }
echo "ok: the values are single-quoted"
