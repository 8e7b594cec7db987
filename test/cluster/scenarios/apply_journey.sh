#!/usr/bin/env bash
# Scenario 2, the `kubectl apply` journey with examples/shop.yaml: the stored workloads carry exactly
# the annotations `traceassist instrument` writes for the file; kubectl prints the webhook's warning
# for the container whose language is unknown; a second apply is `unchanged`; --server-side and
# --dry-run=server behave; an unlabelled namespace, kube-system and an object labelled
# traceassist.io/instrumentation=disabled are untouched; `kubectl set image` to another language
# corrects the managed annotations and never touches the user's.
source "$(dirname "$0")/lib.sh"
start_webhook
register_webhook

shop=$src/examples/shop.yaml
# shop.yaml in namespace NS (its Namespace object included).
shop_in() { sed -e "s/^  name: shop$/  name: $1/" -e "s/namespace: shop$/namespace: $1/" "$shop"; }
workloads='.[] | select(.kind | IN("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"))'
# expected_annotations FILE: "Kind/name <sorted template annotations>" per workload, as the CLI writes them.
expected_annotations() {
  "$bin" instrument "$1" 2>/dev/null | "$harness" yaml2json | jq -c "$workloads"' |
    [.kind + "/" + .metadata.name,
     (if .kind == "CronJob" then .spec.jobTemplate.spec.template.metadata.annotations
      else .spec.template.metadata.annotations end // {})] ' | jq -sc 'sort_by(.[0]) | .[]' | jq -Sc .
}
stored_annotations() {  # stored_annotations NS
  kubectl get deployments,statefulsets,daemonsets,cronjobs,jobs -n "$1" -o json | jq -c '.items[] |
    [.kind + "/" + .metadata.name,
     (if .kind == "CronJob" then .spec.jobTemplate.spec.template.metadata.annotations
      else .spec.template.metadata.annotations end // {})]' | jq -sc 'sort_by(.[0]) | .[]' | jq -Sc .
}

# --- label the namespace, apply the file
kubectl create namespace shop >/dev/null
kubectl label namespace shop traceassist.io/instrumentation=enabled >/dev/null
on_exit "kubectl delete namespace shop --wait=false"
kubectl apply -f "$shop" >"$work/apply1.out" 2>"$work/apply1.err" || { cat "$work/apply1.err"; fail "kubectl apply -f examples/shop.yaml"; }
expected=$(expected_annotations "$shop")
[[ $(grep -c instrumentation.opentelemetry.io <<<"$expected") -ge 4 ]] || fail "the CLI instruments too little of shop.yaml: $expected"
stored=$(stored_annotations shop)
[[ $stored == "$expected" ]] || { diff <(echo "$expected") <(echo "$stored") || true; fail "stored annotations differ from traceassist instrument's"; }
ok "kubectl apply: stored workloads carry exactly the CLI's annotations ($(wc -l <<<"$stored") workloads)"

# The CLI's own warning for the unknown container, as the webhook sends it (one line per warning).
grep -q '^Warning: traceassist: deployment/mailer container mailer: language unknown' "$work/apply1.err" ||
  { cat "$work/apply1.err"; fail "kubectl printed no webhook warning for shop/mailer"; }
grep '^Warning: traceassist' "$work/apply1.err" | grep -v 'deployment/mailer' && fail "webhook warnings for other workloads"
ok "kubectl printed: $(grep '^Warning: traceassist: deployment/mailer' "$work/apply1.err" | head -1)"

kubectl apply -f "$shop" >"$work/apply2.out" 2>&1 || fail "second apply"
for w in namespace/shop deployment.apps/cart deployment.apps/storefront statefulset.apps/recommendations \
  cronjob.batch/invoices deployment.apps/redis deployment.apps/mailer; do
  grep -qx "$w unchanged" "$work/apply2.out" || { cat "$work/apply2.out"; fail "second apply: $w not unchanged"; }
done
[[ $(stored_annotations shop) == "$expected" ]] || fail "annotations changed on the second apply"
ok "second kubectl apply: every object unchanged"

# --- server-side apply into a fresh labelled namespace, twice
kubectl create namespace shop-ssa >/dev/null
kubectl label namespace shop-ssa traceassist.io/instrumentation=enabled >/dev/null
on_exit "kubectl delete namespace shop-ssa --wait=false"
shop_in shop-ssa >"$work/shop-ssa.yaml"
kubectl apply --server-side -f "$work/shop-ssa.yaml" >"$work/ssa.out" 2>&1 || { cat "$work/ssa.out"; fail "apply --server-side"; }
[[ $(stored_annotations shop-ssa) == "$(expected_annotations "$work/shop-ssa.yaml")" ]] || fail "server-side apply: annotations differ"
kubectl apply --server-side -f "$work/shop-ssa.yaml" >"$work/ssa2.out" 2>&1 || { cat "$work/ssa2.out"; fail "second apply --server-side (conflict?)"; }
[[ $(stored_annotations shop-ssa) == "$(expected_annotations "$work/shop-ssa.yaml")" ]] || fail "second server-side apply: annotations differ"
gen=$(kubectl get deployment cart -n shop-ssa -o jsonpath='{.metadata.generation}')
[[ $gen == 1 ]] || fail "second server-side apply changed the Deployment (generation $gen)"
ok "kubectl apply --server-side (twice): instrumented, no conflict, generation stays 1"

# --- server dry run: mutated in the answer, nothing stored
kubectl create namespace shop-dry >/dev/null
kubectl label namespace shop-dry traceassist.io/instrumentation=enabled >/dev/null
on_exit "kubectl delete namespace shop-dry --wait=false"
shop_in shop-dry >"$work/shop-dry.yaml"
kubectl apply --dry-run=server -f "$work/shop-dry.yaml" -o json >"$work/dry.json" 2>"$work/dry.err" || { cat "$work/dry.err"; fail "apply --dry-run=server"; }
jq -e '[.. | objects | select(.kind? == "Deployment" and .metadata.name == "storefront")][0].spec.template.metadata.annotations | keys | any(startswith("instrumentation.opentelemetry.io/"))' "$work/dry.json" >/dev/null ||
  fail "server dry run: the answer is not instrumented"
[[ -z $(kubectl get deployments,statefulsets,cronjobs -n shop-dry -o name) ]] || fail "server dry run stored workloads"
ok "kubectl apply --dry-run=server: the answer is instrumented, nothing stored"

# --- untouched: an unlabelled namespace, kube-system (even labelled), an opted-out object
shop_in shop-plain >"$work/shop-plain.yaml"
kubectl apply -f "$work/shop-plain.yaml" >/dev/null 2>"$work/plain.err"
on_exit "kubectl delete namespace shop-plain --wait=false"
kubectl get deployments,statefulsets,cronjobs -n shop-plain -o json |
  jq -e '[.items[] | (.spec.template // .spec.jobTemplate.spec.template).metadata.annotations // {} | keys[] | select(startswith("instrumentation.opentelemetry.io/"))] | length == 0' >/dev/null ||
  fail "a workload in an unlabelled namespace was instrumented"
grep -q '^Warning: traceassist' "$work/plain.err" && fail "warnings for an unlabelled namespace"
kubectl label namespace kube-system traceassist.io/instrumentation=enabled --overwrite >/dev/null
on_exit "kubectl label namespace kube-system traceassist.io/instrumentation-"
kubectl create deployment ta-probe --image=node:20-slim -n kube-system >/dev/null
on_exit "kubectl delete deployment ta-probe -n kube-system"
[[ $(template_annotations deployment ta-probe kube-system) == "{}" ]] || fail "a Deployment in kube-system was instrumented"
kubectl create deployment opted-out --image=node:20-slim -n shop --dry-run=client -o json |
  jq '.metadata.labels["traceassist.io/instrumentation"] = "disabled"' | kubectl apply -f - >/dev/null
[[ $(template_annotations deployment opted-out shop) == "{}" ]] || fail "an object labelled disabled was instrumented"
# The control: the same Deployment without the label is instrumented in that namespace.
kubectl create deployment opted-in --image=node:20-slim -n shop >/dev/null
[[ $(template_annotations deployment opted-in shop) != "{}" ]] || fail "control: the unlabelled object was not instrumented"
ok "untouched: unlabelled namespace, kube-system (labelled), object labelled disabled"

# --- kubectl set image to another language: managed annotations follow, the user's stay.
# mailer has no command: its image decides (unknown -> nodejs -> python).
kubectl set image deployment/mailer mailer=node:20-slim -n shop >/dev/null
kubectl patch deployment mailer -n shop --type merge \
  -p '{"spec":{"template":{"metadata":{"annotations":{"example.com/owner":"mail-team"}}}}}' >/dev/null
before=$(template_annotations deployment mailer shop)
jq -e '.["example.com/owner"] == "mail-team" and .["instrumentation.opentelemetry.io/inject-nodejs"] == "true"' <<<"$before" >/dev/null ||
  fail "mailer on node:20-slim: $before"
kubectl set image deployment/mailer mailer=python:3.12-slim -n shop >/dev/null
after=$(template_annotations deployment mailer shop)
# What the CLI writes for the stored object as it now is, with the managed annotations taken off first.
kubectl get deployment mailer -n shop -o json |
  jq '{apiVersion, kind, metadata: {name: .metadata.name, namespace: .metadata.namespace}, spec: {selector: .spec.selector, template: (.spec.template | .metadata.annotations |= with_entries(select(.key | startswith("instrumentation.opentelemetry.io/") | not)))}}' >"$work/mailer.json"
want=$("$bin" instrument "$work/mailer.json" 2>/dev/null | "$harness" yaml2json | jq -S '.[0].spec.template.metadata.annotations')
[[ $after == "$want" ]] || fail "after set image: stored $after, the CLI writes $want"
jq -e '.["instrumentation.opentelemetry.io/inject-python"] == "true" and (has("instrumentation.opentelemetry.io/inject-nodejs") | not) and .["example.com/owner"] == "mail-team"' <<<"$after" >/dev/null ||
  fail "after set image: $after"
ok "kubectl set image: nodejs -> python, example.com/owner kept ($(jq -c . <<<"$after"))"
echo "cluster apply_journey: all checks passed"
