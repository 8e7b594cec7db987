#!/usr/bin/env python3
"""Real registries for the registry client's tests (issue 16), on loopback over TLS.

  harness.py start STATE_DIR CORPUS_IMAGES_DIR   starts them, pushes the corpus images, writes STATE_DIR/state.json
  harness.py stop STATE_DIR                      stops what start started

Two instances of Debian's docker-registry (distribution 2.8): `basic` with htpasswd auth, `token` with
token auth, whose tokens come from the small issuer in token_issuer.py (RS256, certificate chain in x5c).
Images are pushed through the registry API: the configs of ../shared/corpus/images (read in place), a layer
with a real Go binary (built here) at each Go entrypoint path, a musl-linked binary where the corpus says an
ELF program runs on alpine, and an OCI index with linux/amd64 + linux/arm64 for every image. Only the
Python standard library, openssl, htpasswd, go and musl-gcc are used."""
import base64, gzip, hashlib, io, json, os, shutil, signal, socket, ssl, subprocess, sys, tarfile, time
import urllib.error, urllib.parse, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
USER, PASSWORD = "tester", "s3cret-for-tests"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def certificates(d):
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=traceassist test CA", cwd=d)
    for name, subject, ext in [("server", "/CN=localhost", "subjectAltName=DNS:localhost\n"),
                               ("signer", "/CN=token signer", "keyUsage=digitalSignature\n")]:
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", subject, cwd=d)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext)
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext", cwd=d)


def registry_config(d, name, port, auth):
    root = os.path.join(d, name + "-data")
    os.makedirs(root, exist_ok=True)
    text = f"""version: 0.1
log: {{level: warn}}
storage:
  filesystem: {{rootdirectory: {root}}}
http:
  addr: 127.0.0.1:{port}
  tls: {{certificate: {d}/server.crt, key: {d}/server.key}}
auth:
{auth}
"""
    path = os.path.join(d, name + ".yml")
    with open(path, "w") as f:
        f.write(text)
    return path


def go_binaries(d):
    """A real Go program, built twice: stripped (-s -w, as boutique builds) and not."""
    src = os.path.join(d, "gosrc")
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(src, "main.go"), "w") as f:
        f.write('package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("traceassist test service") }\n')
    with open(os.path.join(src, "go.mod"), "w") as f:
        f.write("module example.test/svc\n\ngo 1.21\n")
    env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=mod", GOPROXY="off",
               GOCACHE=os.path.join(d, "gocache"), GOPATH=os.path.join(d, "gopath"), HOME=d)
    go = shutil.which("go") or "/usr/local/go/bin/go"
    out = {}
    for name, flags in [("plain", []), ("stripped", ["-ldflags=-s -w"])]:
        path = os.path.join(d, "go-" + name)
        subprocess.run([go, "build", *flags, "-o", path, "."], cwd=src, env=env, check=True)
        out[name] = path
    return out


def musl_binary(d):
    cc = shutil.which("musl-gcc")
    if not cc:
        return None
    src = os.path.join(d, "hello.c")
    with open(src, "w") as f:
        f.write('#include <stdio.h>\nint main(void) { puts("musl"); return 0; }\n')
    path = os.path.join(d, "musl-hello")
    run(cc, "-O2", "-o", path, src)
    return path


def layer(files, compression):
    """A layer tarball {path: bytes or ('symlink', target)}; returns (blob, diff_id, media type)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, content in files.items():
            info = tarfile.TarInfo(path.lstrip("/"))
            info.mtime = 0
            if isinstance(content, tuple):
                info.type, info.linkname = tarfile.SYMTYPE, content[1]
                tar.addfile(info)
            else:
                info.size, info.mode = len(content), 0o755
                tar.addfile(info, io.BytesIO(content))
    data = raw.getvalue()
    diff_id = "sha256:" + hashlib.sha256(data).hexdigest()
    if compression == "zstd":
        blob = subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
        return blob, diff_id, "application/vnd.oci.image.layer.v1.tar+zstd"
    return gzip.compress(data, mtime=0), diff_id, "application/vnd.oci.image.layer.v1.tar+gzip"


class Pusher:
    def __init__(self, base, context, basic=None):
        self.base, self.context, self.basic, self.token = base, context, basic, None

    def request(self, method, url, body=None, headers=None, scope=None):
        headers = dict(headers or {})
        for attempt in range(2):
            h = dict(headers)
            if self.token:
                h["Authorization"] = "Bearer " + self.token
            elif self.basic:
                h["Authorization"] = "Basic " + base64.b64encode(self.basic.encode()).decode()
            req = urllib.request.Request(url, data=body, headers=h, method=method)
            try:
                with urllib.request.urlopen(req, context=self.context, timeout=30) as r:
                    return r.status, dict(r.headers), r.read()
            except urllib.error.HTTPError as e:
                if e.code == 401 and attempt == 0 and "Bearer" in e.headers.get("WWW-Authenticate", ""):
                    self.get_token(e.headers["WWW-Authenticate"], scope)
                    continue
                if method == "HEAD" and e.code == 404:
                    return 404, dict(e.headers), b""
                raise RuntimeError(f"{method} {url}: {e.code} {e.read()[:300]!r}")
        raise RuntimeError("unauthorized")

    def get_token(self, challenge, scope):
        params = dict(p.split("=", 1) for p in challenge[len("Bearer "):].split(","))
        params = {k: v.strip('"') for k, v in params.items()}
        query = urllib.parse.urlencode({"service": params["service"], "scope": scope})
        req = urllib.request.Request(params["realm"] + "?" + query, headers={
            "Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()})
        with urllib.request.urlopen(req, context=self.context, timeout=30) as r:
            self.token = json.loads(r.read())["token"]

    def blob(self, repo, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        scope = f"repository:{repo}:pull,push"
        self.token = None
        status, _, _ = self.request("HEAD", f"{self.base}/v2/{repo}/blobs/{digest}", scope=scope)
        if status == 200:
            return digest
        _, headers, _ = self.request("POST", f"{self.base}/v2/{repo}/blobs/uploads/", body=b"", scope=scope)
        location = urllib.parse.urljoin(self.base, headers["Location"])
        sep = "&" if "?" in location else "?"
        self.request("PUT", f"{location}{sep}digest={digest}", body=data,
                     headers={"Content-Type": "application/octet-stream"}, scope=scope)
        return digest

    def manifest(self, repo, ref, document, media_type):
        data = json.dumps(document, separators=(",", ":")).encode()
        self.request("PUT", f"{self.base}/v2/{repo}/manifests/{ref}", body=data,
                     headers={"Content-Type": media_type}, scope=f"repository:{repo}:pull,push")
        return "sha256:" + hashlib.sha256(data).hexdigest(), len(data)


def repository_of(reference):
    """Repository path as a mirror serves it (containerd: the upstream path, docker.io's library/ added)."""
    name = reference.split("@")[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name, tag = name.rsplit(":", 1)
    else:
        tag = "latest"
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry, path = parts[0], "/".join(parts[1:])
    else:
        registry, path = "docker.io", name
    if registry == "docker.io" and "/" not in path:
        path = "library/" + path
    return registry, path, tag


def push_image(pusher, entry, binaries, index_number):
    registry, repo, tag = repository_of(entry["reference"])
    config = dict(entry["config"])
    files = {}
    on_alpine = any("alpine" in json.dumps(p) for p in entry.get("provenance") or [])
    for b in entry.get("binaries") or []:
        if b["kind"] == "go":
            files[b["path"]] = binaries["stripped" if "-s -w" in json.dumps(entry) else "plain"]
        elif b["kind"] == "elf":
            files[b["path"]] = binaries["musl"] if on_alpine and binaries.get("musl") else binaries["glibc"]
    layers = []
    # A base layer (shell and a decoy binary), then the application layer; zstd for every third image.
    base = {"/bin/sh": binaries["glibc"], "/usr/bin/decoy": binaries["glibc"]}
    for content, compression in [(base, "gzip"), (files or {"/app/README": b"no binaries\n"},
                                                  "zstd" if index_number % 3 == 0 else "gzip")]:
        blob, diff_id, media_type = layer(content, compression)
        layers.append({"mediaType": media_type, "digest": pusher.blob(repo, blob), "size": len(blob), "diff_id": diff_id})
    manifests = []
    for arch in ["amd64", "arm64"]:
        c = dict(config, architecture=arch, os="linux",
                 rootfs={"type": "layers", "diff_ids": [l["diff_id"] for l in layers]})
        if arch == "arm64":  # a different config, so a wrong platform choice shows
            c["config"] = dict(c["config"], Env=["WRONG_PLATFORM=arm64"])
        config_bytes = json.dumps(c, separators=(",", ":")).encode()
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": pusher.blob(repo, config_bytes), "size": len(config_bytes)},
                    "layers": [{k: l[k] for k in ("mediaType", "digest", "size")} for l in layers]}
        digest, size = pusher.manifest(repo, f"{tag}-{arch}", manifest, manifest["mediaType"])
        manifests.append({"mediaType": manifest["mediaType"], "digest": digest, "size": size,
                          "platform": {"os": "linux", "architecture": arch, **({"variant": "v8"} if arch == "arm64" else {})}})
    # Every other image is a Docker manifest list rather than an OCI index: both shapes are exercised.
    media_type = ("application/vnd.oci.image.index.v1+json" if index_number % 2 == 0
                  else "application/vnd.docker.distribution.manifest.list.v2+json")
    if index_number % 2:
        for m in manifests:
            m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    digest, _ = pusher.manifest(repo, tag, {"schemaVersion": 2, "mediaType": media_type, "manifests": manifests}, media_type)
    return registry, repo, tag, digest


def wait_ready(port, context, deadline):
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"https://localhost:{port}/v2/", context=context, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # 401 is an answer
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"registry on port {port} did not answer")


def start(state_dir, images_dir):
    os.makedirs(state_dir, exist_ok=True)
    d = os.path.abspath(state_dir)
    certificates(d)
    run("htpasswd", "-Bbc", os.path.join(d, "htpasswd"), USER, PASSWORD)
    ports = {"basic": free_port(), "token": free_port(), "issuer": free_port()}
    configs = {
        "basic": registry_config(d, "basic", ports["basic"],
                                 f"  htpasswd: {{realm: traceassist-test, path: {d}/htpasswd}}"),
        "token": registry_config(d, "token", ports["token"],
                                 f"  token: {{realm: 'https://localhost:{ports['issuer']}/token', service: traceassist-test,"
                                 f" issuer: traceassist-test-issuer, rootcertbundle: {d}/ca.crt}}"),
    }
    pids = []
    log = open(os.path.join(d, "processes.log"), "ab")
    for name in ["basic", "token"]:
        p = subprocess.Popen(["docker-registry", "serve", configs[name]], stdout=log, stderr=log, start_new_session=True)
        pids.append(p.pid)
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "token_issuer.py"), str(ports["issuer"]), d, USER, PASSWORD],
                         stdout=log, stderr=log, start_new_session=True)
    pids.append(p.pid)
    with open(os.path.join(d, "pids"), "w") as f:
        f.write("\n".join(map(str, pids)))
    context = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
    for name in ["basic", "token", "issuer"]:
        wait_ready(ports[name], context, time.time() + 30) if name != "issuer" else None
    binaries = {k: open(v, "rb").read() for k, v in go_binaries(d).items()}
    binaries["glibc"] = open("/bin/true", "rb").read()
    musl = musl_binary(d)
    if musl:
        binaries["musl"] = open(musl, "rb").read()
    pushers = {"basic": Pusher(f"https://localhost:{ports['basic']}", context, f"{USER}:{PASSWORD}"),
               "token": Pusher(f"https://localhost:{ports['token']}", context)}
    images = []
    entries = sorted(f for f in os.listdir(images_dir) if f.endswith(".json"))
    for number, name in enumerate(entries):
        entry = json.load(open(os.path.join(images_dir, name)))
        if not entry.get("config"):
            continue  # unresolvable (placeholders are not valid references; never served under those names)
        for which, pusher in pushers.items():
            registry, repo, tag, digest = push_image(pusher, entry, binaries, number)
        images.append({"reference": entry["reference"], "registry": registry, "repository": repo, "tag": tag,
                       "digest": digest, "language_truth": entry["language_truth"],
                       "binaries": entry.get("binaries") or []})
    # A private repository on the token registry: the issuer grants it only with the credentials.
    private = {"reference": "private/app:v1", "config": {"architecture": "amd64", "os": "linux",
                                                         "config": {"Env": ["PYTHON_VERSION=3.12.1"]}}}
    push_image(pushers["token"], private, binaries, 1)
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for name in ["basic", "token"]:
        with open(os.path.join(d, f"docker-config-{name}.json"), "w") as f:
            json.dump({"auths": {f"localhost:{ports[name]}": {"auth": auth}}}, f)
    state = {"ca": os.path.join(d, "ca.crt"), "ports": ports, "images": images, "musl": bool(musl),
             "docker_config": {n: os.path.join(d, f"docker-config-{n}.json") for n in ["basic", "token"]}}
    with open(os.path.join(d, "state.json"), "w") as f:
        json.dump(state, f, indent=1)
    print(f"registries up: basic :{ports['basic']}, token :{ports['token']} (issuer :{ports['issuer']}); "
          f"{len(images)} corpus images pushed to each; musl binary: {'yes' if musl else 'no (musl-gcc missing)'}")


def stop(state_dir):
    try:
        pids = [int(p) for p in open(os.path.join(state_dir, "pids")).read().split()]
    except FileNotFoundError:
        return
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    os.remove(os.path.join(state_dir, "pids"))


if __name__ == "__main__":
    if sys.argv[1] == "start":
        stop(sys.argv[2])
        try:
            start(sys.argv[2], sys.argv[3])
        except Exception:
            stop(sys.argv[2])
            raise
    else:
        stop(sys.argv[2])
