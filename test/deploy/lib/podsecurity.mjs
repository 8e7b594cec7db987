// The Pod Security Standards "restricted" profile (baseline checks included), as the PodSecurity admission
// plugin applies it to pod templates, plus this project's rule that every container's root filesystem
// is read-only.
const allowedVolumeTypes = new Set([
  "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
]);
const safeSysctls = new Set([
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const seLinuxTypes = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

// Returns the pod template spec (and its metadata) of a workload object, or null for other kinds.
export function podTemplate(obj) {
  switch (obj.kind) {
    case "Pod": return { meta: obj.metadata ?? {}, spec: obj.spec ?? {} };
    case "Deployment": case "StatefulSet": case "DaemonSet": case "ReplicaSet": case "ReplicationController":
    case "Job": return { meta: obj.spec?.template?.metadata ?? {}, spec: obj.spec?.template?.spec ?? {} };
    case "CronJob": return {
      meta: obj.spec?.jobTemplate?.spec?.template?.metadata ?? {},
      spec: obj.spec?.jobTemplate?.spec?.template?.spec ?? {},
    };
    default: return null;
  }
}

export function checkRestricted({ meta, spec }) {
  const errors = [];
  const pod = spec.securityContext ?? {};
  for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[f]) errors.push(`spec.${f} must be false`);
  if (pod.windowsOptions?.hostProcess) errors.push("pod hostProcess must be false");
  for (const s of pod.sysctls ?? []) if (!safeSysctls.has(s.name)) errors.push(`sysctl ${s.name} is not allowed`);
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== "name");
    if (!allowedVolumeTypes.has(type)) errors.push(`volume ${v.name}: type ${type} is not allowed`);
  }
  for (const [k, v] of Object.entries(meta.annotations ?? {}))
    if (k.startsWith("container.apparmor.security.beta.kubernetes.io/") && !(v === "runtime/default" || v.startsWith("localhost/")))
      errors.push(`annotation ${k}: AppArmor profile ${v} is not allowed`);
  const checkCommon = (where, sc) => {
    if (sc.appArmorProfile?.type === "Unconfined") errors.push(`${where}: AppArmor Unconfined`);
    const se = sc.seLinuxOptions;
    if (se && (!seLinuxTypes.has(se.type ?? "") || se.user || se.role)) errors.push(`${where}: SELinux options not allowed`);
    if (sc.runAsUser === 0) errors.push(`${where}: runAsUser must not be 0`);
    if (sc.runAsNonRoot === false) errors.push(`${where}: runAsNonRoot must not be false`);
    const seccomp = sc.seccompProfile?.type;
    if (seccomp !== undefined && seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      errors.push(`${where}: seccompProfile ${seccomp} is not allowed`);
  };
  checkCommon("pod securityContext", pod);

  const containers = [
    ...(spec.initContainers ?? []).map((c) => ["initContainer", c]),
    ...(spec.containers ?? []).map((c) => ["container", c]),
    ...(spec.ephemeralContainers ?? []).map((c) => ["ephemeralContainer", c]),
  ];
  if (!spec.containers?.length) errors.push("no containers");
  for (const [role, c] of containers) {
    const where = `${role} ${c.name}`;
    const sc = c.securityContext ?? {};
    checkCommon(where, sc);
    if (sc.privileged) errors.push(`${where}: privileged`);
    if (sc.procMount && sc.procMount !== "Default") errors.push(`${where}: procMount ${sc.procMount}`);
    if (sc.windowsOptions?.hostProcess) errors.push(`${where}: hostProcess`);
    for (const p of c.ports ?? []) if (p.hostPort) errors.push(`${where}: hostPort ${p.hostPort}`);
    if (sc.allowPrivilegeEscalation !== false) errors.push(`${where}: allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) errors.push(`${where}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? [])
      if (cap !== "NET_BIND_SERVICE") errors.push(`${where}: capability ${cap} may not be added`);
    if (pod.runAsNonRoot !== true && sc.runAsNonRoot !== true) errors.push(`${where}: runAsNonRoot must be true (pod or container)`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") errors.push(`${where}: seccompProfile RuntimeDefault or Localhost required`);
    if (role !== "ephemeralContainer" && sc.readOnlyRootFilesystem !== true)
      errors.push(`${where}: readOnlyRootFilesystem must be true`);
  }
  return errors;
}
