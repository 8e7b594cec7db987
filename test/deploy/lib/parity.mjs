// k8s/ and the chart's default render describe the same installation: same kinds (the chart leaves the
// Namespace to `helm --create-namespace`), and the same settings wherever the two must not drift apart
// (pod security, probes, resources, ports, webhook rules and selectors, certificate, policies).
import { isDeepStrictEqual } from "node:util";

const get = (obj, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);

const compared = {
  Deployment: ["spec.template.spec.securityContext", "spec.template.spec.containers.0.securityContext",
    "spec.template.spec.containers.0.ports", "spec.template.spec.containers.0.livenessProbe",
    "spec.template.spec.containers.0.readinessProbe", "spec.template.spec.containers.0.resources",
    "spec.template.spec.containers.0.args", "spec.template.spec.containers.0.volumeMounts",
    "spec.template.spec.automountServiceAccountToken", "spec.strategy", "spec.template.spec.terminationGracePeriodSeconds"],
  Service: ["spec.type", "spec.ports"],
  PodDisruptionBudget: ["spec.minAvailable"],
  HorizontalPodAutoscaler: ["spec.minReplicas", "spec.maxReplicas", "spec.metrics"],
  NetworkPolicy: ["spec.policyTypes", "spec.ingress", "spec.egress"],
  ServiceAccount: ["automountServiceAccountToken"],
  Certificate: ["spec.dnsNames", "spec.commonName", "spec.privateKey", "spec.usages", "spec.duration", "spec.renewBefore", "spec.isCA"],
  Issuer: ["spec"],
  MutatingWebhookConfiguration: ["webhooks.0.rules", "webhooks.0.admissionReviewVersions", "webhooks.0.sideEffects",
    "webhooks.0.failurePolicy", "webhooks.0.timeoutSeconds", "webhooks.0.matchPolicy", "webhooks.0.reinvocationPolicy",
    "webhooks.0.namespaceSelector", "webhooks.0.objectSelector", "webhooks.0.clientConfig.service",
    "webhooks.0.matchConditions"],
};

export function checkParity(k8s, chart) {
  const errors = [];
  const kinds = (objs) => objs.map((o) => o.kind).filter((k) => k !== "Namespace").sort();
  if (!isDeepStrictEqual(kinds(k8s), kinds(chart))) errors.push(`kinds differ: k8s/ ${kinds(k8s)} vs chart ${kinds(chart)}`);
  for (const [kind, paths] of Object.entries(compared)) {
    // Objects of a kind pair up by name (the default release's names are k8s/'s), else the first of each.
    for (const a of k8s.filter((o) => o.kind === kind)) {
      const b = chart.find((o) => o.kind === kind && o.metadata?.name === a.metadata?.name) ?? chart.find((o) => o.kind === kind);
      if (!b) continue;
      for (const p of paths)
        if (!isDeepStrictEqual(get(a, p), get(b, p)))
          errors.push(`${kind} ${a.metadata?.name} ${p} differs: k8s/ ${JSON.stringify(get(a, p))} vs chart ${JSON.stringify(get(b, p))}`);
    }
  }
  // Plain environment values of k8s/ (ports, TLS paths, log level) are the chart's too.
  const env = (objs) => Object.fromEntries((objs.find((o) => o.kind === "Deployment")?.spec.template.spec.containers[0].env ?? [])
    .filter((e) => "value" in e).map((e) => [e.name, e.value]));
  const chartEnv = env(chart);
  for (const [k, v] of Object.entries(env(k8s))) if (chartEnv[k] !== v) errors.push(`env ${k}: k8s/ ${v} vs chart ${chartEnv[k]}`);
  return errors;
}
