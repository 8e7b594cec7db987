# `instrument --diff` (a unified diff with only added lines that `patch` applies) and the
# `detect --format json` schema, plus the JSON instrument report schema.
source "$(dirname "$0")/lib/cli_common.bash"

cat >"$WORK/app.yaml" <<'YAML'
# shop
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  selector:
    matchLabels:
      app: cart
  template:
    metadata:
      labels:
        app: cart
    spec:
      initContainers:
        - name: wait
          image: busybox:1.36
      containers:
        - name: cart
          image: eclipse-temurin:21-jre
        - name: istio-proxy
          image: docker.io/istio/proxyv2:1.22.1
---
apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: report
    spec:
      schedule: "@daily"
      jobTemplate:
        spec:
          template:
            spec:
              containers:
                - name: report
                  image: python:3.12-alpine
  - apiVersion: v1
    kind: Pod
    metadata:
      generateName: probe-
    spec:
      containers:
        - name: probe
          image: registry.example.com/tools/probe:1.0
YAML
cp "$WORK/app.yaml" "$WORK/app.before"
run "$TA" instrument "$WORK/app.yaml"; cp "$WORK/out" "$WORK/instrumented.yaml"

run "$TA" instrument --diff "$WORK/app.yaml"
expect_rc 0 "--diff"
cp "$WORK/out" "$WORK/changes.diff"
cmp -s "$WORK/app.yaml" "$WORK/app.before" && pass "--diff leaves the file alone" || fail "--diff modified the file"
expect_grep "$WORK/changes.diff" '^--- ' "--diff has a --- header"
expect_grep "$WORK/changes.diff" '^\+\+\+ ' "--diff has a +++ header"
expect_grep "$WORK/changes.diff" '^@@ -[0-9]+(,[0-9]+)? \+[0-9]+(,[0-9]+)? @@' "--diff has hunk headers"
removed=$(grep -c '^-[^-]' "$WORK/changes.diff")
[[ "$removed" == 0 ]] && pass "--diff removes no line" || fail "--diff removes $removed line(s)"
grep -q '^+.*inject-java: "true"' "$WORK/changes.diff" && pass "--diff adds inject-java" || fail "--diff lacks inject-java"
if command -v patch >/dev/null; then
  cp "$WORK/app.before" "$WORK/patched.yaml"
  if patch -s "$WORK/patched.yaml" <"$WORK/changes.diff" && cmp -s "$WORK/patched.yaml" "$WORK/instrumented.yaml"; then
    pass "patch applies the --diff output and gives the instrumented bytes"
  else
    fail "the --diff output does not reproduce the instrumented file"
  fi
else
  echo "note: patch is not installed; the apply-the-diff check is skipped"
fi
run "$TA" instrument --diff "$WORK/instrumented.yaml"
expect_rc 0 "--diff on an instrumented file"
[[ ! -s "$WORK/out" ]] && pass "--diff prints nothing when nothing changes" || fail "--diff printed: $(head -c 300 "$WORK/out")"

# detect --format json
run "$TA" detect --format json "$WORK/app.yaml"
expect_rc 0 "detect --format json"
cp "$WORK/out" "$WORK/detect.json"
jq_check() {  # jq_check FILTER DESCRIPTION: FILTER must print true
  if [[ "$(jq -r "$1" "$WORK/detect.json" 2>&1)" == true ]]; then pass "$2"; else fail "$2: $(jq -c "$1" "$WORK/detect.json" 2>&1 | head -c 300)"; fi
}
jq_check '.objects | type == "array" and length == 3' "detect: three objects (a List's items count separately)"
jq_check '[.objects[] | .kind] == ["Deployment", "CronJob", "Pod"]' "detect: kinds in stream order"
jq_check '[.objects[] | .name] == ["cart", "report", "probe-"]' "detect: names, generateName when no name"
jq_check '[.objects[] | .document] == [1, 2, 2]' "detect: document numbers, List items share theirs"
jq_check 'all(.objects[].containers[]; (.name|type=="string") and (.image|type=="string") and (.role|IN("container","initContainer")) and (.language|IN("java","nodejs","python","dotnet","go","nginx","apache-httpd","ruby","php","rust","cpp","none","unknown")) and (.confidence|type=="string") and (.evidence|type=="array"))' "detect: every container has name, role, image, language, confidence, evidence"
jq_check '[.objects[0].containers[] | [.name, .role, .language]] == [["cart","container","java"],["istio-proxy","container","none"],["wait","initContainer","none"]]' "detect: cart is java, istio-proxy and busybox are none, the init container is listed"
jq_check '.objects[0].containers[] | select(.name=="cart") | (.evidence | length > 0) and (.evidence | any(test("eclipse-temurin")))' "detect: java evidence names the image"
jq_check '.objects[1].containers[0].language == "python"' "detect: python alpine image"
jq_check '.objects[2].containers[0].language == "unknown" and (.objects[2].containers[0].confidence | IN("none","low"))' "detect: an image without hints is unknown"

run "$TA" detect "$WORK/app.yaml"
expect_rc 0 "detect (text)"
expect_grep "$WORK/out" 'cart' "detect text names the container"

# The instrument JSON report schema.
run "$TA" instrument --report json "$WORK/app.yaml"
expect_rc 0 "instrument --report json"
cp "$WORK/err" "$WORK/detect.json"
jq_check '.changes_made == true and (.objects | length == 3) and (.warnings | type == "array")' "report: changes_made, objects, warnings"
jq_check 'all(.objects[]; has("document") and has("kind") and has("name") and has("namespace") and (.status|IN("instrumented","unchanged","skipped","uninstrumented")) and (.reasons|type=="array") and has("annotations_added") and (.containers|type=="array"))' "report: per-object fields"
jq_check '.objects[0].status == "instrumented" and .objects[0].namespace == "shop" and .objects[0].annotations_added["instrumentation.opentelemetry.io/inject-java"] == "true"' "report: cart instrumented with inject-java"
jq_check '.objects[0].annotations_added | to_entries | map(select(.key | endswith("container-names"))) | map(.value) == ["cart"]' "report: container names only the app container"
jq_check '.objects[1].annotations_added["instrumentation.opentelemetry.io/otel-python-platform"] == "musl"' "report: musl python platform for the alpine CronJob"
jq_check '.objects[2].status == "skipped" and (.objects[2].reasons | index("language_unknown") != null)' "report: unknown image skipped with language_unknown"
finish
