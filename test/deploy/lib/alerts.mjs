// The chart's PrometheusRule and `helm test` pod, taken out of a render so promtool and a shell can run them:
// rules.yaml (as rendered), rules-test.yaml (annotations dropped: promtool compares them verbatim, and
// `promtool check rules` already checks their templates), alerts.txt, metrics.txt (every series name the
// expressions read) and helm-test.sh with helm-test.env (the test pod's script and environment).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

const functions = new Set(["sum", "rate", "increase", "histogram_quantile", "by", "on", "and", "or", "vector",
  "time", "le", "bool", "unless", "max", "min", "without", "ignoring", "max_over_time", "absent_over_time"]);

export function extractOperations(objects, outDir) {
  const rule = objects.find((o) => o.kind === "PrometheusRule");
  if (!rule) throw new Error("the render has no PrometheusRule");
  writeFileSync(join(outDir, "rules.yaml"), stringify({ groups: rule.spec.groups }));
  const stripped = rule.spec.groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations, ...r }) => r) }));
  writeFileSync(join(outDir, "rules-test.yaml"), stringify({ groups: stripped }));
  const rules = rule.spec.groups.flatMap((g) => g.rules);
  writeFileSync(join(outDir, "alerts.txt"), rules.map((r) => r.alert).join("\n") + "\n");
  const names = new Set();
  for (const r of rules) {
    const expr = r.expr.replace(/\{[^}]*\}/g, " ").replace(/\[[^\]]*\]/g, " ").replace(/"[^"]*"/g, " ");
    for (const m of expr.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) if (!functions.has(m[0])) names.add(m[0]);
  }
  writeFileSync(join(outDir, "metrics.txt"), [...names].sort().join("\n") + "\n");
  const pod = objects.find((o) => o.kind === "Pod" && o.metadata.annotations?.["helm.sh/hook"] === "test");
  if (!pod) throw new Error("the render has no helm test Pod");
  const c = pod.spec.containers[0];
  writeFileSync(join(outDir, "helm-test.sh"), c.args[0]);
  writeFileSync(join(outDir, "helm-test.env"), c.env.map((e) => `${e.name}=${e.value}`).join("\n") + "\n");
  return `${rules.length} alerts, ${names.size} series names, helm test pod ${pod.metadata.name}`;
}
