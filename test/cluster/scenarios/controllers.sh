#!/usr/bin/env bash
# Scenario 3, the real controllers: Deployment -> ReplicaSet -> Pods, StatefulSet and DaemonSet -> Pods,
# CronJob -> Job -> Pod (`kubectl create job --from=cronjob/...`): each owner has exactly one
# ReplicaSet/Job, and its Pods carry exactly the owner's template annotations. Then, in a namespace
# labelled after its Deployments exist, scaled and re-applied, the ReplicaSet count per Deployment stays
# constant for 60 s (CLUSTER_STABLE_SECONDS). The negative control: a naive webhook that patches every
# ReplicaSet makes the count grow. No kubelet runs: Pods are stored, never started. DaemonSets need a
# Node: this test creates one by hand (harness-node-1).
source "$(dirname "$0")/lib.sh"
stable_seconds=${CLUSTER_STABLE_SECONDS:-60}
start_webhook
register_webhook

kubectl get node harness-node-1 >/dev/null 2>&1 || kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Node
metadata:
  name: harness-node-1
  labels: {kubernetes.io/hostname: harness-node-1, kubernetes.io/os: linux}
YAML
# The API server taints a new Node not-ready (TaintNodesByCondition) until a kubelet reports; none will.
kubectl taint node harness-node-1 node.kubernetes.io/not-ready:NoSchedule- >/dev/null 2>&1 || true

workloads() {  # workloads NS: a Deployment (2 replicas), a StatefulSet (2), a DaemonSet, a CronJob
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $1}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {example.com/team: web}
    spec:
      containers: [{name: web, image: node:20-slim, command: [node, server.js]}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: store, namespace: $1}
spec:
  replicas: 2
  podManagementPolicy: Parallel
  serviceName: store
  selector: {matchLabels: {app: store}}
  template:
    metadata: {labels: {app: store}}
    spec:
      containers: [{name: store, image: python:3.12-slim, command: [gunicorn, app:server]}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: $1}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: eclipse-temurin:21-jre, args: [java, -jar, /agent.jar]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: $1}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: mcr.microsoft.com/dotnet/runtime:8.0, command: [dotnet, Report.dll]}]
YAML
}

# owned NS KIND OWNER_KIND OWNER: names of KIND objects whose controller is OWNER_KIND/OWNER.
owned() {
  kubectl get "$2" -n "$1" -o json | jq -r --arg k "$3" --arg n "$4" \
    '.items[] | select(any(.metadata.ownerReferences[]?; .controller and .kind == $k and .name == $n)) | .metadata.name'
}
count_owned() { owned "$@" | grep -c . || true; }
pods_match() {  # pods_match NS OWNER_KIND OWNER WANT_COUNT ANNOTATIONS_JSON
  local names
  names=$(owned "$1" pods "$2" "$3")
  [[ $(grep -c . <<<"$names") == "$4" ]] || return 1
  for p in $names; do
    [[ $(kubectl get pod "$p" -n "$1" -o json | jq -Sc '.metadata.annotations // {}') == "$5" ]] || return 1
  done
}

# --- 1. every owner: one ReplicaSet/Job, Pods with exactly the template annotations
labelled_namespace ctl
workloads ctl | kubectl apply -f - >/dev/null
kubectl create job report-now --from=cronjob/report -n ctl >/dev/null
for w in deployment/web statefulset/store daemonset/agent cronjob/report; do
  a=$(template_annotations "${w%/*}" "${w#*/}" ctl | jq -Sc .)
  jq -e 'keys | any(startswith("instrumentation.opentelemetry.io/"))' <<<"$a" >/dev/null || fail "$w not instrumented: $a"
done
web=$(template_annotations deployment web ctl | jq -Sc .)
jq -e '.["example.com/team"] == "web"' <<<"$web" >/dev/null || fail "web lost its own annotation: $web"
web_has_one_rs() { [[ $(count_owned ctl replicasets Deployment web) == 1 ]]; }
wait_for 60 "web has one ReplicaSet" web_has_one_rs
rs=$(owned ctl replicasets Deployment web)
[[ $(template_annotations replicaset "$rs" ctl | jq -Sc .) == "$web" ]] || fail "ReplicaSet $rs template differs from web's"
check_pods() { pods_match ctl "$@"; }
wait_for 60 "2 Pods of ReplicaSet $rs with web's annotations" check_pods ReplicaSet "$rs" 2 "$web"
wait_for 60 "2 Pods of StatefulSet store with its annotations" check_pods StatefulSet store 2 "$(template_annotations statefulset store ctl | jq -Sc .)"
wait_for 60 "1 Pod of DaemonSet agent (one Node) with its annotations" check_pods DaemonSet agent 1 "$(template_annotations daemonset agent ctl | jq -Sc .)"
job=$(template_annotations cronjob report ctl | jq -Sc .)
[[ $(template_annotations job report-now ctl | jq -Sc .) == "$job" ]] || fail "Job report-now template differs from CronJob report's"
[[ $(count_owned ctl jobs CronJob report) == 1 ]] || fail "CronJob report does not own exactly one Job"
wait_for 60 "1 Pod of Job report-now with the CronJob's annotations" check_pods Job report-now 1 "$job"
ok "Deployment/web -> 1 ReplicaSet -> 2 Pods; StatefulSet -> 2 Pods; DaemonSet -> 1 Pod; CronJob -> 1 Job -> 1 Pod; all with the owner's template annotations"

# --- 2. labelled after the fact, scaled, re-applied: a constant ReplicaSet count for 60 s
deployments() {  # deployments NS
  for name in alpha beta gamma; do
    cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $name, namespace: $1}
spec:
  replicas: 1
  selector: {matchLabels: {app: $name}}
  template:
    metadata: {labels: {app: $name}}
    spec:
      containers: [{name: $name, image: node:20-slim, command: [node, server.js]}]
---
YAML
  done
}
rs_counts() {  # rs_counts NS: "alpha=N beta=N gamma=N"
  local out=
  for name in alpha beta gamma; do out+="$name=$(count_owned "$1" replicasets Deployment "$name") "; done
  echo "${out% }"
}
settled() {  # every Deployment of NS has been seen by its controller at its current generation
  kubectl get deployments -n "$1" -o json | jq -e 'all(.items[]; .status.observedGeneration == .metadata.generation)'
}
watch_counts() {  # watch_counts NS SECONDS: fails if the counts change within SECONDS
  local want now end=$((SECONDS + $2))
  want=$(rs_counts "$1")
  while ((SECONDS < end)); do
    sleep 2
    now=$(rs_counts "$1")
    [[ $now == "$want" ]] || { echo "ReplicaSet counts in $1 changed: $want -> $now"; return 1; }
  done
  echo "$want"
}

kubectl create namespace late >/dev/null
on_exit "kubectl delete namespace late --wait=false"
deployments late | kubectl apply -f - >/dev/null
wait_for 60 "late's Deployments settle" settled late
[[ $(rs_counts late) == "alpha=1 beta=1 gamma=1" ]] || fail "before labelling: $(rs_counts late)"
kubectl label namespace late traceassist.io/instrumentation=enabled >/dev/null
for name in alpha beta gamma; do kubectl scale deployment "$name" -n late --replicas=3 >/dev/null; done
wait_for 60 "late's Deployments settle after scaling" settled late
deployments late | kubectl apply -f - >/dev/null
wait_for 60 "late's Deployments settle after re-applying" settled late
sleep 5  # the rollouts' ReplicaSets
for name in alpha beta gamma; do
  [[ $(template_annotations deployment "$name" late) != "{}" ]] || fail "re-applied $name is not instrumented"
done
# Re-applying instruments the templates: one rollout each, so two ReplicaSets per Deployment; then none.
counts=$(rs_counts late)
[[ $counts == "alpha=2 beta=2 gamma=2" ]] || fail "after label, scale and re-apply: $counts (want 2 each: the old and the instrumented)"
watch_counts late "$stable_seconds" >"$work/watch.out" || fail "$(cat "$work/watch.out")"
ok "labelled after the fact, scaled, re-applied: ReplicaSets per Deployment constant for ${stable_seconds}s ($counts)"

# --- 3. negative control: a webhook that patches every ReplicaSet makes the count grow
python3 "$(dirname "$0")/naive_webhook.py" "$work/certs/tls.crt" "$work/certs/tls.key" "$work/naive.port" &
naive_pid=$!
on_exit "kill $naive_pid"
naive_listens() { [[ -s $work/naive.port ]]; }
wait_for 10 "the naive webhook listens" naive_listens
kubectl create namespace naive >/dev/null
kubectl label namespace naive naive-test=on >/dev/null
on_exit "kubectl delete namespace naive --wait=false"
kubectl apply -f - >/dev/null <<YAML
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: naive-test}
webhooks:
  - name: naive.test.traceassist.io
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Ignore
    timeoutSeconds: 5
    clientConfig: {url: "https://localhost:$(cat "$work/naive.port")/", caBundle: $ca_bundle}
    rules: [{apiGroups: [apps], apiVersions: [v1], resources: [replicasets], operations: [CREATE, UPDATE]}]
    namespaceSelector: {matchLabels: {naive-test: "on"}}
YAML
on_exit "kubectl delete mutatingwebhookconfiguration naive-test"
sleep 2  # the API server's webhook informer
deployments naive | kubectl apply -f - >/dev/null
grew() { [[ $(count_owned naive replicasets Deployment alpha) -gt 3 ]]; }
wait_for 60 "the naive webhook makes alpha's ReplicaSets grow past 3" grew
ok "negative control: with a webhook that patches every ReplicaSet, alpha has $(count_owned naive replicasets Deployment alpha) ReplicaSets"
kubectl delete mutatingwebhookconfiguration naive-test >/dev/null
kubectl delete namespace naive --wait=false >/dev/null
echo "cluster controllers: all checks passed"
