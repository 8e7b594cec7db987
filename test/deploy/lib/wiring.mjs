// Checks that the objects of one install agree with each other: the MutatingWebhookConfiguration reaches
// /mutate on the HTTPS container port through the Service, the API server would trust the certificate
// (CA wiring and the <svc>.<ns>.svc DNS name), and the Deployment, Service, PDB, HPA, NetworkPolicy,
// Ingress and ServiceMonitor select the same pods. Then it evaluates the webhook's rules and selectors the
// way the API server does for a few requests (a Deployment created in a labelled namespace, ...).
import { X509Certificate } from "node:crypto";

export function selectorMatches(selector, labels) {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok = {
      In: has && e.values.includes(labels[e.key]),
      NotIn: !has || !e.values.includes(labels[e.key]),
      Exists: has,
      DoesNotExist: !has,
    }[e.operator];
    if (!ok) return false;
  }
  return true;
}

const listMatches = (list, value) => (list ?? []).includes("*") || (list ?? []).includes(value);

// The API server's match for one request: rules (group, version, resource, operation, scope), then
// namespaceSelector on the namespace's labels and objectSelector on the object's labels.
export function webhookMatches(webhook, req) {
  const ruleHit = (webhook.rules ?? []).some((r) =>
    listMatches(r.apiGroups, req.group) && listMatches(r.apiVersions, req.version) &&
    listMatches(r.resources, req.resource) &&
    (listMatches(r.operations, req.operation) || (r.operations ?? []).includes("*")) &&
    (r.scope === undefined || r.scope === "*" || r.scope === "Namespaced"));
  return ruleHit && selectorMatches(webhook.namespaceSelector, req.namespaceLabels) &&
    selectorMatches(webhook.objectSelector, req.objectLabels);
}

const pem = (b64) => Buffer.from(b64, "base64").toString("utf8");

function podLabels(d) {
  return d.spec?.template?.metadata?.labels ?? {};
}

export function checkWiring(objects, expect) {
  const errors = [];
  const notes = [];
  const find = (kind, ns, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name &&
    (ns === undefined || (o.metadata?.namespace ?? "") === ns));
  const all = (kind) => objects.filter((o) => o.kind === kind);

  const deployments = all("Deployment");
  if (deployments.length !== 1) return { errors: [`expected one Deployment, found ${deployments.length}`], notes };
  const dep = deployments[0];
  const ns = dep.metadata.namespace;
  const labels = podLabels(dep);
  const container = dep.spec.template.spec.containers[0];
  const env = Object.fromEntries((container.env ?? []).filter((e) => "value" in e).map((e) => [e.name, e.value]));
  const portByName = Object.fromEntries((container.ports ?? []).map((p) => [p.name, p.containerPort]));
  if (!ns) errors.push("Deployment has no namespace");

  // Listeners: HTTP (API, probes, metrics; 8000 unless the render moves it), HTTPS (webhook; 8443).
  // hostNetwork: only HTTPS on the node's addresses (no http container port, HTTP bound to 127.0.0.1),
  // probes over HTTPS, the pod's DNS still the cluster's.
  const httpPort = expect.httpPort ?? 8000, httpsPort = expect.httpsPort ?? 8443;
  const hostNet = !!expect.hostNetwork;
  const podSpec = dep.spec.template.spec;
  if (!!podSpec.hostNetwork !== hostNet) errors.push(`hostNetwork is ${!!podSpec.hostNetwork}, want ${hostNet}`);
  if (hostNet) {
    if (podSpec.dnsPolicy !== "ClusterFirstWithHostNet") errors.push(`dnsPolicy ${podSpec.dnsPolicy}, want ClusterFirstWithHostNet`);
    if (env.TRACEASSIST_HTTP_BIND !== "127.0.0.1") errors.push("TRACEASSIST_HTTP_BIND must be 127.0.0.1 under hostNetwork");
    if ("http" in portByName || portByName.https !== httpsPort) errors.push(`container ports ${JSON.stringify(portByName)}, want https ${httpsPort} only`);
    if ((env.TRACEASSIST_PORT ?? "8000") !== String(httpPort)) errors.push("TRACEASSIST_PORT differs from containerPorts.http");
  } else {
    if (portByName.http !== httpPort || portByName.https !== httpsPort) errors.push(`container ports ${JSON.stringify(portByName)}, want http ${httpPort} and https ${httpsPort}`);
    if ((env.TRACEASSIST_PORT ?? "8000") !== String(portByName.http)) errors.push("TRACEASSIST_PORT differs from the http container port");
    if ("TRACEASSIST_HTTP_BIND" in env) errors.push("TRACEASSIST_HTTP_BIND is set without hostNetwork");
  }
  if ((env.TRACEASSIST_TLS_PORT ?? "8443") !== String(portByName.https)) errors.push("TRACEASSIST_TLS_PORT differs from the https container port");
  const probePort = hostNet ? httpsPort : httpPort, probeScheme = hostNet ? "HTTPS" : "HTTP";
  const probe = (p, path) => {
    const port = typeof p?.httpGet?.port === "string" ? portByName[p.httpGet.port] : p?.httpGet?.port;
    if (p?.httpGet?.path !== path || port !== probePort || (p.httpGet.scheme ?? "HTTP") !== probeScheme)
      errors.push(`probe for ${path} must GET ${path} over ${probeScheme} on port ${probePort}`);
  };
  probe(container.livenessProbe, "/health");
  probe(container.readinessProbe, "/ready");
  for (const k of ["requests", "limits"]) for (const r of ["cpu", "memory"])
    if (!container.resources?.[k]?.[r]) errors.push(`container resources.${k}.${r} missing`);
  if (!(dep.spec.template.spec.topologySpreadConstraints ?? []).some((t) => t.topologyKey === "kubernetes.io/hostname" &&
    selectorMatches(t.labelSelector, labels))) errors.push("replicas are not spread over nodes (kubernetes.io/hostname)");
  const hpa = all("HorizontalPodAutoscaler")[0];
  const replicas = hpa ? hpa.spec.minReplicas : dep.spec.replicas;
  if (!(replicas >= 2)) errors.push(`at least 2 replicas expected, got ${replicas}`);
  if (hpa && (hpa.spec.scaleTargetRef.kind !== "Deployment" || hpa.spec.scaleTargetRef.name !== dep.metadata.name))
    errors.push("HPA does not target the Deployment");
  for (const pdb of all("PodDisruptionBudget")) if (!selectorMatches(pdb.spec.selector, labels)) errors.push("PDB does not select the pods");
  for (const np of all("NetworkPolicy")) {
    if (!selectorMatches(np.spec.podSelector, labels)) errors.push("NetworkPolicy does not select the pods");
    const open = (np.spec.ingress ?? []).flatMap((r) => (r.ports ?? []).map((p) => p.port));
    for (const p of hostNet ? [httpsPort] : [httpPort, httpsPort]) if (!open.includes(p)) errors.push(`NetworkPolicy does not admit port ${p}`);
  }

  // The TLS Secret the container reads: the volume mounted where TRACEASSIST_TLS_CERT points.
  const certPath = env.TRACEASSIST_TLS_CERT ?? "";
  const mount = (container.volumeMounts ?? []).find((m) => certPath.startsWith(m.mountPath.replace(/\/?$/, "/")));
  const volume = mount && dep.spec.template.spec.volumes.find((v) => v.name === mount.name);
  const tlsSecret = volume?.secret?.secretName;
  if (!tlsSecret) errors.push("TRACEASSIST_TLS_CERT is not in a mounted Secret volume");
  if (mount?.subPath) errors.push("the TLS Secret is mounted with subPath: renewals would never reach the pod");
  if (!env.TRACEASSIST_TLS_KEY?.startsWith(mount?.mountPath ?? "\0")) errors.push("TRACEASSIST_TLS_KEY is not in the TLS volume");

  // Service: 443 -> https (8443), 80 -> http (8000), selecting the pods.
  const services = all("Service").filter((s) => selectorMatches({ matchLabels: s.spec.selector }, labels));
  if (services.length !== 1) errors.push(`expected one Service selecting the pods, found ${services.length}`);
  const svc = services[0];
  const targetOf = (sp) => (typeof sp.targetPort === "string" ? portByName[sp.targetPort] : sp.targetPort ?? sp.port);
  if (svc) {
    const by = Object.fromEntries(svc.spec.ports.map((p) => [p.port, targetOf(p)]));
    if (expect.servicePorts) for (const [p, t] of Object.entries(expect.servicePorts))
      if (by[p] !== t) errors.push(`Service port ${p} goes to ${by[p]}, want ${t}`);
    if (hostNet && svc.spec.ports.some((p) => targetOf(p) !== httpsPort)) errors.push("under hostNetwork the Service may only reach the https port");
  }
  for (const ing of all("Ingress")) for (const rule of ing.spec.rules ?? []) for (const path of rule.http?.paths ?? []) {
    const b = path.backend.service;
    const sp = svc?.spec.ports.find((p) => p.name === b.port.name || p.port === b.port.number);
    if (b.name !== svc?.metadata.name || !sp || targetOf(sp) !== httpPort) errors.push(`Ingress path ${path.path} does not reach the http listener`);
  }
  for (const sm of all("ServiceMonitor")) {
    if (!selectorMatches(sm.spec.selector, svc?.metadata.labels ?? {})) errors.push("ServiceMonitor does not select the Service");
    if (!sm.spec.endpoints.every((e) => e.path === "/metrics" && svc?.spec.ports.some((p) => p.name === e.port)))
      errors.push("ServiceMonitor endpoints must scrape /metrics on a Service port");
    if (hostNet && !sm.spec.endpoints.every((e) => e.scheme === "https" && e.tlsConfig?.serverName))
      errors.push("under hostNetwork the ServiceMonitor must scrape over HTTPS (with tlsConfig.serverName)");
  }

  // The webhook configuration.
  const configs = all("MutatingWebhookConfiguration");
  if (!expect.webhook) {
    if (configs.length) errors.push("webhook disabled but a MutatingWebhookConfiguration is rendered");
    return { errors, notes };
  }
  if (configs.length !== 1 || configs[0].webhooks?.length !== 1) return { errors: [...errors, "expected one MutatingWebhookConfiguration with one webhook"], notes };
  const mwc = configs[0];
  const wh = mwc.webhooks[0];
  const ref = wh.clientConfig?.service;
  if (!ref || wh.clientConfig.url) errors.push("clientConfig must reference the Service (no url)");
  if (JSON.stringify(wh.admissionReviewVersions) !== JSON.stringify(["v1", "v1beta1"])) errors.push("admissionReviewVersions must be [v1, v1beta1]");
  if (wh.sideEffects !== "NoneOnDryRun") errors.push("sideEffects must be NoneOnDryRun");
  if (wh.failurePolicy !== expect.failurePolicy) errors.push(`failurePolicy ${wh.failurePolicy}, want ${expect.failurePolicy}`);
  if (wh.timeoutSeconds !== expect.timeoutSeconds) errors.push(`timeoutSeconds ${wh.timeoutSeconds}, want ${expect.timeoutSeconds}`);
  if (ref?.path !== "/mutate") errors.push(`webhook path ${ref?.path}, want /mutate`);
  if (svc && (ref?.name !== svc.metadata.name || ref?.namespace !== svc.metadata.namespace))
    errors.push(`webhook service ${ref?.namespace}/${ref?.name} is not the Service ${svc.metadata.namespace}/${svc.metadata.name}`);
  const refPort = ref?.port ?? 443;
  const sp = svc?.spec.ports.find((p) => p.port === refPort);
  const containerPort = sp && targetOf(sp);
  if (containerPort !== httpsPort) errors.push(`webhook port ${refPort} reaches container port ${containerPort}, want ${httpsPort} (HTTPS)`);
  const dnsName = `${ref?.name}.${ref?.namespace}.svc`;

  // CA wiring: cert-manager injection, or a caBundle that signed the served certificate.
  const inject = mwc.metadata.annotations?.["cert-manager.io/inject-ca-from"];
  if (inject) {
    const [cns, cname] = inject.split("/");
    const cert = find("Certificate", cns, cname);
    if (!cert) errors.push(`inject-ca-from names ${inject}, which is not rendered`);
    else {
      if (!(cert.spec.dnsNames ?? []).includes(dnsName)) errors.push(`Certificate ${inject} lacks DNS name ${dnsName}`);
      if (cert.spec.secretName !== tlsSecret || cns !== ns) errors.push(`Certificate ${inject} writes ${cns}/${cert.spec.secretName}, the pods mount ${ns}/${tlsSecret}`);
      const issuer = cert.spec.issuerRef;
      const local = issuer.kind !== "ClusterIssuer" && find(issuer.kind ?? "Issuer", cns, issuer.name);
      if (issuer.kind !== "ClusterIssuer" && expect.localIssuer !== false && !local)
        errors.push(`Certificate issuer ${issuer.kind}/${issuer.name} is not rendered`);
      // A renewal must keep the CA the caBundle holds: the serving certificate comes from a CA Issuer
      // whose CA a self-signed Issuer made, never from the self-signed Issuer itself.
      if (local?.spec?.selfSigned) errors.push(`Certificate ${inject} is self-signed: each renewal would change the trusted CA`);
      if (local?.spec?.ca) {
        const caCert = objects.find((o) => o.kind === "Certificate" && o.metadata?.namespace === cns && o.spec?.secretName === local.spec.ca.secretName);
        if (!caCert?.spec?.isCA) errors.push(`Issuer ${issuer.name}'s CA Secret ${local.spec.ca.secretName} is not written by an isCA Certificate`);
        else notes.push(`CA: Certificate ${caCert.metadata.name} (isCA, ${caCert.spec.duration}) signs ${cname} through Issuer ${issuer.name}; renewals keep the CA`);
      }
    }
    if (wh.clientConfig.caBundle) errors.push("caBundle set although cert-manager injects it");
    notes.push(`CA: injected by cert-manager from Certificate ${inject} (DNS ${dnsName})`);
  } else if (objects.some((o) => o.kind === "Job" && jobArgs(o).includes("--secret=" + tlsSecret))) {
    errors.push(...checkCertgen(objects, { ns, tlsSecret, ref, mwc, find }));
    if (wh.clientConfig.caBundle) errors.push("caBundle rendered although the certgen hook patches it");
    notes.push(`CA: the certgen hook Job creates Secret ${tlsSecret} and patches the caBundle (DNS ${dnsName})`);
  } else {
    const bundle = wh.clientConfig?.caBundle;
    let ca;
    try {
      ca = new X509Certificate(pem(bundle ?? ""));
    } catch {
      errors.push("caBundle is missing or not a PEM certificate");
    }
    if (ca && !ca.ca) errors.push("caBundle is not a CA certificate");
    const secret = find("Secret", ns, tlsSecret);
    if (secret) {
      const crt = new X509Certificate(pem(secret.data["tls.crt"]));
      if (ca && !crt.verify(ca.publicKey)) errors.push("the served certificate is not signed by the caBundle");
      if (!(crt.subjectAltName ?? "").split(", ").includes(`DNS:${dnsName}`)) errors.push(`served certificate lacks DNS SAN ${dnsName}`);
      if (secret.data["ca.crt"] !== bundle) errors.push("Secret ca.crt differs from the caBundle");
      notes.push(`CA: caBundle signs the certificate in Secret ${tlsSecret} (SAN ${dnsName}, valid to ${crt.validTo})`);
    } else {
      notes.push(`CA: caBundle given for the existing Secret ${tlsSecret}`);
    }
  }

  // What the API server would send.
  const own = ref?.namespace;
  const nsLabels = (name, enabled) => ({ "kubernetes.io/metadata.name": name, ...(enabled ? { "traceassist.io/instrumentation": "enabled" } : {}) });
  const mode = (wh.rules ?? []).some((r) => r.resources.includes("pods")) ? "pods" : "workloads";
  const req = (group, resource, operation, namespace, enabled, objectLabels = {}) => ({
    group, version: "v1", resource, operation, namespaceLabels: nsLabels(namespace, enabled), objectLabels,
  });
  const cases = [
    ["Deployment CREATE in labelled namespace shop", req("apps", "deployments", "CREATE", "shop", true), mode === "workloads"],
    ["Deployment UPDATE in labelled namespace shop", req("apps", "deployments", "UPDATE", "shop", true), mode === "workloads"],
    ["CronJob CREATE in labelled namespace shop", req("batch", "cronjobs", "CREATE", "shop", true), mode === "workloads"],
    ["ReplicationController CREATE in labelled namespace shop", req("", "replicationcontrollers", "CREATE", "shop", true), mode === "workloads"],
    ["Pod CREATE in labelled namespace shop", req("", "pods", "CREATE", "shop", true), mode === "pods"],
    ["Deployment DELETE in labelled namespace shop", req("apps", "deployments", "DELETE", "shop", true), false],
    ["Deployment CREATE in unlabelled namespace shop", req("apps", "deployments", "CREATE", "shop", false), false],
    ["Deployment CREATE in labelled kube-system", req("apps", "deployments", "CREATE", "kube-system", true), false],
    [`Deployment CREATE in labelled own namespace ${own}`, req("apps", "deployments", "CREATE", own, true), false],
    [`Pod CREATE in labelled own namespace ${own}`, req("", "pods", "CREATE", own, true), false],
    ["Deployment labelled traceassist.io/instrumentation=disabled", req("apps", "deployments", "CREATE", "shop", true, { "traceassist.io/instrumentation": "disabled" }), false],
  ];
  for (const [what, r, want] of cases) {
    const got = webhookMatches(wh, r);
    if (got !== want) errors.push(`${what}: ${got ? "sent" : "not sent"} to the webhook, want ${want ? "sent" : "not sent"}`);
  }
  // The server must know which objects the configuration sends: in pods mode it instruments the Pods
  // that controllers own, in workloads mode it leaves owned objects to their owner.
  const target = env.TRACEASSIST_WEBHOOK_TARGET ?? "workloads";
  if (target !== mode) errors.push(`TRACEASSIST_WEBHOOK_TARGET ${target}, but the configuration is in ${mode} mode`);
  if (mode === "pods" && wh.matchConditions?.length) errors.push("pods mode must send every Pod: no matchConditions");
  if (mode === expect.mode) notes.push(`mode ${mode}: ${cases.filter((c) => c[2]).map((c) => c[0]).join("; ")}: sent; the other ${cases.filter((c) => !c[2]).length} cases: not sent`);
  else errors.push(`webhook mode ${mode}, want ${expect.mode}`);
  notes.push(`route: https://${dnsName}:${refPort}${ref?.path} -> Service ${svc?.metadata.name} port ${refPort} -> container ${container.name} port ${containerPort}`);

  // Pods mode: configurations run in name order and the Operator's pod webhook is never re-invoked.
  if (mode === "pods") {
    const operatorNames = ["opentelemetry-operator-mutation", "opentelemetry-operator-mutating-webhook-configuration",
      "otel-opentelemetry-operator-mutation", "a-opentelemetry-operator-mutation"];
    const late = operatorNames.filter((n) => !(mwc.metadata.name < n));
    if (late.length) errors.push(`configuration ${mwc.metadata.name} does not sort before ${late.join(", ")}`);
    else notes.push(`configuration ${mwc.metadata.name} sorts before ${operatorNames.join(", ")}`);
  }
  return { errors, notes };
}

function jobArgs(job) {
  return job.spec?.template?.spec?.containers?.[0]?.args ?? [];
}

// certificates.mode=certgen: the hook Job's `traceassist certs --secret` names the Secret the pods mount,
// the webhook's Service and this configuration, and its ServiceAccount may do exactly that.
function checkCertgen(objects, { ns, tlsSecret, ref, mwc, find }) {
  const errors = [];
  const job = objects.find((o) => o.kind === "Job" && jobArgs(o).includes("--secret=" + tlsSecret));
  const args = jobArgs(job);
  for (const want of ["certs", `--service=${ref?.name}`, `--namespace=${ns}`, `--webhook-configuration=${mwc.metadata.name}`])
    if (!args.includes(want)) errors.push(`certgen Job args ${JSON.stringify(args)} lack ${want}`);
  const hooks = (o) => (o.metadata.annotations?.["helm.sh/hook"] ?? "").split(",");
  for (const h of ["pre-install", "pre-upgrade", "post-install", "post-upgrade"])
    if (!hooks(job).includes(h)) errors.push(`certgen Job is not a ${h} hook`);
  const sa = job.spec.template.spec.serviceAccountName;
  const bound = (kind, roleKind) => objects.filter((b) => b.kind === kind && b.roleRef.kind === roleKind &&
    (b.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === sa && s.namespace === ns))
    .map((b) => find(roleKind, roleKind === "Role" ? ns : undefined, b.roleRef.name));
  const rules = [...bound("RoleBinding", "Role"), ...bound("ClusterRoleBinding", "ClusterRole")].flatMap((r) => r?.rules ?? []);
  const grants = rules.map((r) => `${r.resources.join("+")}:${(r.resourceNames ?? ["*"]).join("+")}:${r.verbs.join("+")}`).sort();
  const want = ["mutatingwebhookconfigurations:" + mwc.metadata.name + ":get+patch", "secrets:*:create", `secrets:${tlsSecret}:get+update`].sort();
  if (JSON.stringify(grants) !== JSON.stringify(want)) errors.push(`certgen ServiceAccount ${sa} may ${JSON.stringify(grants)}, want exactly ${JSON.stringify(want)}`);
  return errors;
}
