// Reads multi-document YAML (kubectl kustomize / helm template output) into plain objects.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// Returns [{obj, where}] for every non-empty document; throws on any YAML error (duplicate keys included).
export function loadManifests(path) {
  const docs = parseAllDocuments(readFileSync(path, "utf8"), { uniqueKeys: true });
  const out = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length) throw new Error(`${path} document ${i + 1}: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (obj == null) return;
    const name = obj.metadata?.name ?? "?";
    out.push({ obj, where: `${obj.kind ?? "?"} ${obj.metadata?.namespace ? obj.metadata.namespace + "/" : ""}${name}` });
  });
  return out;
}

export const key = (o) => `${o.apiVersion}|${o.kind}|${o.metadata?.namespace ?? ""}|${o.metadata?.name ?? ""}`;
