// Deployment checks for k8s/ and helm/traceassist (run by test/scripts/deploy_*.sh).
//
//   node check.mjs manifests FILE [--label L] [--no-webhook] [--mode workloads|pods]
//                                 [--failure-policy P] [--timeout S] [--external-issuer]
//                                 [--service-ports 443:8443,80:8000] [--container-ports 8000:8443]
//                                 [--host-network]
//     Every object: Kubernetes OpenAPI schema (kubernetes-models, cert-manager, Prometheus Operator) with
//     unknown fields rejected; every pod template: Pod Security "restricted" + read-only root fs; then the
//     webhook/Service/Deployment/certificate wiring. --host-network: the pod runs on the node's network,
//     which Pod Security "baseline" forbids: that one violation is expected (and required), no other.
//   node check.mjs compose CONFIG.yaml   (the output of `docker-compose config`)
//   node check.mjs parity K8S.yaml CHART.yaml
//     k8s/ and the chart's default render agree (kinds and the settings that must not drift apart).
//   node check.mjs values-doc VALUES.yaml DOC.md
//     Every key of values.yaml appears in the doc's "### Values" table, and every key there exists.
//   node check.mjs operations CHART.yaml OUT_DIR
//     The PrometheusRule and the `helm test` pod of a render, as files for promtool and sh (lib/alerts.mjs).
//   node check.mjs values SCHEMA [--valid VALUES.json]... [--invalid VALUES.json]...
//     values.schema.json is accepted by Ajv in strict mode, accepts each --valid file, rejects each --invalid.
// Exit status 1 with one line per problem.
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import { loadManifests, key } from "./lib/manifests.mjs";
import { validateObject } from "./lib/openapi.mjs";
import { podTemplate, checkRestricted } from "./lib/podsecurity.mjs";
import { checkWiring } from "./lib/wiring.mjs";
import { checkCompose } from "./lib/compose.mjs";
import { checkParity } from "./lib/parity.mjs";
import { extractOperations } from "./lib/alerts.mjs";
import { parse } from "yaml";

function parseArgs(argv) {
  const opts = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) opts._.push(a);
    else if (["--no-webhook", "--external-issuer", "--host-network"].includes(a)) opts[a.slice(2)] = true;
    else (opts[a.slice(2)] ??= []).push(argv[++i]);
  }
  return opts;
}

async function manifests(opts) {
  const [file] = opts._;
  const label = opts.label?.[0] ?? file;
  const problems = [];
  const docs = loadManifests(file);
  const seen = new Set();
  let templates = 0;
  for (const { obj, where } of docs) {
    if (seen.has(key(obj))) problems.push(`${where}: defined twice`);
    seen.add(key(obj));
    for (const e of await validateObject(obj)) problems.push(`${where}: schema: ${e}`);
    const tpl = podTemplate(obj);
    if (tpl) {
      templates++;
      const violations = checkRestricted(tpl);
      const hostNet = opts["host-network"] && obj.kind === "Deployment";
      if (hostNet && !violations.includes("spec.hostNetwork must be false")) problems.push(`${where}: hostNetwork expected`);
      for (const e of violations) if (!(hostNet && e === "spec.hostNetwork must be false")) problems.push(`${where}: pod security: ${e}`);
    }
  }
  const { errors, notes } = checkWiring(docs.map((d) => d.obj), {
    webhook: !opts["no-webhook"],
    mode: opts.mode?.[0] ?? "workloads",
    failurePolicy: opts["failure-policy"]?.[0] ?? "Ignore",
    timeoutSeconds: Number(opts.timeout?.[0] ?? 5),
    servicePorts: Object.fromEntries((opts["service-ports"]?.[0] ?? "443:8443,80:8000").split(",").map((p) => p.split(":").map(Number))),
    localIssuer: !opts["external-issuer"],
    hostNetwork: !!opts["host-network"],
    ...(opts["container-ports"] && (([h, s]) => ({ httpPort: h, httpsPort: s }))(opts["container-ports"][0].split(":").map(Number))),
  });
  problems.push(...errors.map((e) => `wiring: ${e}`));
  const kinds = docs.map((d) => d.obj.kind).sort().join(",");
  if (problems.length) {
    for (const p of problems) console.log(`FAIL ${label}: ${p}`);
    return false;
  }
  console.log(`ok ${label}: ${docs.length} objects valid (${kinds}); ${templates} pod template(s) pass restricted`);
  for (const n of notes) console.log(`   ${n}`);
  return true;
}

function values(opts) {
  const [schemaFile] = opts._;
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
  let ok = true;
  for (const f of opts.valid ?? []) {
    if (!validate(JSON.parse(readFileSync(f, "utf8")))) {
      ok = false;
      console.log(`FAIL ${f}: rejected: ${ajv.errorsText(validate.errors)}`);
    } else console.log(`ok ${f}: accepted`);
  }
  for (const f of opts.invalid ?? []) {
    if (validate(JSON.parse(readFileSync(f, "utf8")))) {
      ok = false;
      console.log(`FAIL ${f}: accepted, should be rejected`);
    } else console.log(`ok ${f}: rejected (${ajv.errorsText(validate.errors.slice(0, 1))})`);
  }
  return ok;
}

function compose(opts) {
  const errors = checkCompose(parse(readFileSync(opts._[0], "utf8")));
  for (const e of errors) console.log(`FAIL docker-compose.yaml: ${e}`);
  if (!errors.length) console.log("ok docker-compose.yaml: db (postgres 15, named volume, pg_isready, no host port), certs one-shot, traceassist wiring");
  return !errors.length;
}

function valuesDoc(opts) {
  const [valuesFile, docFile] = opts._;
  const leaves = [];
  const all = new Set();
  const walk = (v, path) => {
    if (path) all.add(path);
    if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length)
      for (const [k, c] of Object.entries(v)) walk(c, path ? `${path}.${k}` : k);
    else leaves.push(path);
  };
  walk(parse(readFileSync(valuesFile, "utf8")), "");
  const doc = readFileSync(docFile, "utf8");
  const table = doc.slice(doc.indexOf("### Values")).split("\n").filter((l) => l.startsWith("| `"));
  const documented = [];
  for (const row of table) {
    const names = [...row.split("|")[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const parent = names[0].includes(".") ? names[0].slice(0, names[0].lastIndexOf(".")) : "";
    documented.push([names[0]], ...names.slice(1).map((n) => (parent ? [`${parent}.${n}`, n] : [n])));
  }
  const problems = [];
  const covered = (leaf) => documented.some((c) => c.some((k) => leaf === k || leaf.startsWith(`${k}.`)));
  for (const leaf of leaves) if (!covered(leaf)) problems.push(`${leaf} is not in the values table`);
  for (const c of documented) if (!c.some((k) => all.has(k))) problems.push(`the values table documents ${c[0]}, which values.yaml lacks`);
  for (const p of problems) console.log(`FAIL ${docFile}: ${p}`);
  if (!problems.length) console.log(`ok ${docFile}: values table covers all ${leaves.length} keys of values.yaml`);
  return !problems.length;
}

function parity(opts) {
  const [k8sFile, chartFile] = opts._;
  const errors = checkParity(loadManifests(k8sFile).map((d) => d.obj), loadManifests(chartFile).map((d) => d.obj));
  for (const e of errors) console.log(`FAIL parity: ${e}`);
  if (!errors.length) console.log("ok parity: k8s/ and the chart's default render agree");
  return !errors.length;
}

const [command, ...rest] = process.argv.slice(2);
const opts = parseArgs(rest);
let ok;
try {
  if (command === "manifests") ok = await manifests(opts);
  else if (command === "values") ok = values(opts);
  else if (command === "compose") ok = compose(opts);
  else if (command === "values-doc") ok = valuesDoc(opts);
  else if (command === "parity") ok = parity(opts);
  else if (command === "operations") {
    console.log(`ok ${extractOperations(loadManifests(opts._[0]).map((d) => d.obj), opts._[1])}`);
    ok = true;
  }
  else throw new Error(`unknown command ${command}`);
} catch (e) {
  console.log(`FAIL ${e.message}`);
  ok = false;
}
process.exit(ok ? 0 : 1);
