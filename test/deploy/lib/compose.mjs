// Checks the normalised output of `docker-compose config` for what DEPLOY.md promises: PostgreSQL 15 on a
// named volume with a pg_isready health check and no host port; TraceAssist built from the Dockerfile,
// started after a healthy database and a completed `certs` run, DATABASE_URL pointing at the db service,
// 8000 published, and the certificate files it is told to read inside the volume `certs` writes to.
export function checkCompose(config) {
  const errors = [];
  const s = config.services ?? {};
  const { db, certs, traceassist: app } = s;
  if (!db || !certs || !app) return [`services db, certs and traceassist expected, found ${Object.keys(s).join(", ")}`];
  const volumeOf = (svc, target) => (svc.volumes ?? []).map((v) => (typeof v === "string" ? v.split(":") : [v.source, v.target]))
    .find(([, t]) => t === target)?.[0];

  if (!/^postgres:15([.-]|$)/.test(db.image ?? "")) errors.push(`db image ${db.image}, want postgres:15`);
  const pgVolume = volumeOf(db, "/var/lib/postgresql/data");
  if (!pgVolume || !(pgVolume in (config.volumes ?? {}))) errors.push("db data must be on a named volume");
  if (!JSON.stringify(db.healthcheck?.test ?? "").includes("pg_isready")) errors.push("db health check must run pg_isready");
  if (db.ports?.length) errors.push("db must publish no host port by default");

  for (const [name, svc] of [["certs", certs], ["traceassist", app]]) {
    if (!svc.build) errors.push(`${name} must be built from the Dockerfile`);
    if (svc.read_only !== true) errors.push(`${name} must run with a read-only root filesystem`);
  }
  const cmd = certs.command ?? [];
  const arg = (flag) => cmd[cmd.indexOf(flag) + 1];
  if (cmd[0] !== "certs" || arg("--service") !== "traceassist" || arg("--namespace") !== "default" || !arg("--out"))
    errors.push(`certs command ${JSON.stringify(cmd)}, want certs --service traceassist --namespace default --out DIR`);
  const certVolume = volumeOf(certs, arg("--out"));
  if (!certVolume || !(certVolume in (config.volumes ?? {}))) errors.push("certs must write into a named volume");

  const dep = app.depends_on ?? {};
  if (dep.db?.condition !== "service_healthy") errors.push("traceassist must wait for a healthy db");
  if (dep.certs?.condition !== "service_completed_successfully") errors.push("traceassist must wait for certs to complete");
  const env = app.environment ?? {};
  let url;
  try {
    url = new URL(env.DATABASE_URL);
  } catch {
    errors.push("DATABASE_URL is not a URL");
  }
  if (url && (!/^postgres(ql)?:$/.test(url.protocol) || url.hostname !== "db" || url.pathname !== `/${db.environment?.POSTGRES_DB}` ||
    decodeURIComponent(url.username) !== db.environment?.POSTGRES_USER || decodeURIComponent(url.password) !== db.environment?.POSTGRES_PASSWORD))
    errors.push("DATABASE_URL does not match the db service's database, user and password");
  if (!(app.ports ?? []).some((p) => Number(p.target) === 8000 && Number(p.published) === 8000)) errors.push("port 8000 must be published");
  for (const k of ["TRACEASSIST_TLS_CERT", "TRACEASSIST_TLS_KEY"]) {
    const file = env[k] ?? "";
    const dir = file.slice(0, file.lastIndexOf("/"));
    if (volumeOf(app, dir) !== certVolume) errors.push(`${k}=${file} is not in the volume certs writes`);
  }
  if (!/\/tls\.crt$/.test(env.TRACEASSIST_TLS_CERT ?? "") || !/\/tls\.key$/.test(env.TRACEASSIST_TLS_KEY ?? ""))
    errors.push("TLS paths must be the tls.crt/tls.key that traceassist certs writes");
  return errors;
}
