// Validates objects against the Kubernetes OpenAPI schemas shipped by kubernetes-models (and the
// cert-manager / Prometheus Operator CRD schemas), then rejects fields the schema does not define.
//
// The generated validators accept unknown properties, but the API server (kubectl's default
// --validate=strict) rejects them, so a typo such as `readinesProbe` must fail here too. The property
// lists come from the packages' TypeScript declarations, which are generated from the same schemas.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const nodeModules = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules");
const packages = ["kubernetes-models", "@kubernetes-models/cert-manager", "@kubernetes-models/prometheus-operator"];

function modelPath(apiVersion, kind) {
  for (const pkg of packages) {
    const file = join(nodeModules, pkg, apiVersion, `${kind}.js`);
    if (existsSync(file)) return file;
  }
  return null;
}

// Parsed declaration files: path -> {props: Map(name -> {shape, file}) } or null for non-object types.
const declCache = new Map();

function parseDecl(dtsPath) {
  if (declCache.has(dtsPath)) return declCache.get(dtsPath);
  let result = null;
  if (existsSync(dtsPath)) {
    const text = readFileSync(dtsPath, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
    const imports = new Map();
    for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
      const spec = m[2];
      const target = spec.startsWith(".")
        ? resolve(dirname(dtsPath), spec.replace(/\.js$/, "") + ".d.ts")
        : join(nodeModules, spec + ".d.ts");
      imports.set(m[1], target);
    }
    const header = text.match(/export interface \w+(?: extends ([\w, ]+))? \{/);
    if (header) {
      const start = header.index;
      // The interface body: up to the brace that closes it.
      let i = text.indexOf("{", start) + 1, depth = 1;
      const bodyStart = i;
      for (; depth > 0 && i < text.length; i++) depth += text[i] === "{" ? 1 : text[i] === "}" ? -1 : 0;
      const body = text.slice(bodyStart, i - 1);
      const props = new Map();
      // Top-level properties only: `"name"?: TYPE;` with TYPE possibly a multi-line inline map.
      let d = 0, cursor = 0;
      for (let j = 0; j < body.length; j++) {
        if (body[j] === "{") d++;
        else if (body[j] === "}") d--;
        else if (body[j] === ";" && d === 0) {
          const decl = body.slice(cursor, j).trim();
          cursor = j + 1;
          const m = decl.match(/^"([^"]+)"\??:\s*([\s\S]+)$/);
          if (!m) continue;
          const type = m[2].replace(/\s+/g, " ");
          let shape = { kind: "leaf" };
          let t;
          if ((t = type.match(/^Array<(\w+)>$/)) && imports.has(t[1])) shape = { kind: "array", file: imports.get(t[1]) };
          else if ((t = type.match(/^\{ \[key: string\]: (\w+); \}$/)) && imports.has(t[1])) shape = { kind: "map", file: imports.get(t[1]) };
          else if (imports.has(type)) shape = { kind: "object", file: imports.get(type) };
          props.set(m[1], shape);
        }
      }
      // Properties of extended interfaces (TypeMeta's apiVersion/kind are repeated in the body).
      for (const base of (header[1] ?? "").split(",").map((b) => b.trim()).filter((b) => imports.has(b)))
        for (const [name, shape] of parseDecl(imports.get(base))?.props ?? []) if (!props.has(name)) props.set(name, shape);
      result = { props };
    }
  }
  declCache.set(dtsPath, result);
  return result;
}

function unknownFields(value, dtsPath, path, errors) {
  const decl = parseDecl(dtsPath);
  if (!decl || value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [name, child] of Object.entries(value)) {
    const shape = decl.props.get(name);
    if (!shape) {
      errors.push(`${path}/${name}: unknown field`);
      continue;
    }
    if (shape.kind === "object") unknownFields(child, shape.file, `${path}/${name}`, errors);
    else if (shape.kind === "array" && Array.isArray(child))
      child.forEach((item, i) => unknownFields(item, shape.file, `${path}/${name}/${i}`, errors));
    else if (shape.kind === "map" && child && typeof child === "object")
      for (const [k, v] of Object.entries(child)) unknownFields(v, shape.file, `${path}/${name}/${k}`, errors);
  }
}

// Returns a list of error strings for one object (empty when valid).
export async function validateObject(obj) {
  if (!obj.apiVersion || !obj.kind) return ["missing apiVersion or kind"];
  const file = modelPath(obj.apiVersion, obj.kind);
  if (!file) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  const module = await import(file);
  const Model = module[obj.kind];
  const errors = [];
  try {
    new Model(obj).validate();
  } catch (e) {
    errors.push(e.message);
  }
  unknownFields(obj, file.replace(/\.js$/, ".d.ts"), "", errors);
  return errors;
}
