"""Test support for the hardening scripts (and bench/soak): runs the real `traceassist serve` on ephemeral ports (the
bound ports are read from its "listening" log line), raw and TLS connections, and result lines.

Used by test/scripts/abusive_clients.sh, faults_serve.sh and bench/soak. Standard library only.
"""
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import weakref

LISTENING = re.compile(r'"msg":"listening".*"port":(\d+),"tls_port":(-?\d+)')  # logged at level info


class Server:
    """A `traceassist serve` process; stop() (or the context manager) ends it."""

    def __init__(self, binary, env=None, args=None, tls=None):
        self.binary = binary
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.args = ["serve", "--port", "0"] + (args or [])
        if tls:
            self.args += ["--tls-port", "0", "--tls-cert", tls[0], "--tls-key", tls[1]]
        self.output = []
        self.port = self.tls_port = None
        self.start()

    def start(self, timeout=15):
        self.port = self.tls_port = None
        self.proc = subprocess.Popen([self.binary] + self.args, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace")
        listening = threading.Event()

        def read(proc):
            for line in proc.stdout:
                self.output.append(line)
                m = LISTENING.search(line)
                if m and not listening.is_set():
                    self.port, self.tls_port = int(m.group(1)), int(m.group(2))
                    listening.set()

        self.reader = threading.Thread(target=read, args=(self.proc,), daemon=True)
        self.reader.start()
        deadline = time.monotonic() + timeout
        while not listening.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("server did not start:\n" + "".join(self.output[-30:]))
        return self

    def alive(self):
        return self.proc.poll() is None

    def status_kib(self, field):
        """VmRSS / VmHWM (peak) of the process, in KiB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def rss_mib(self):
        return self.status_kib("VmRSS") / 1024

    def peak_mib(self):
        return self.status_kib("VmHWM") / 1024

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)
        return self.proc.returncode

    def log(self):
        return "".join(self.output)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop(signal.SIGKILL)


def sanitized(binary):
    """True for an ASan/UBSan/TSan build: its allocator quarantine and slowdown make memory and time
    bounds meaningless there (the Release run checks those; the sanitizer run checks memory errors)."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return any(lib in out for lib in ("libasan", "libtsan", "libubsan"))


def connect(port, timeout=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def tls_context(cafile=None):
    ctx = ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
    if not cafile:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


# Bytes read past the end of a response (pipelining), per socket.
_PENDING = weakref.WeakKeyDictionary()


def read_response(sock, timeout=10):
    """Reads one HTTP/1.1 response with a Content-Length; returns (status, headers, body), or
    (None, headers, bytes received) when the peer closed before the response was complete (no bytes:
    closed without answering). Bytes past the response are kept for the next call on the socket."""
    sock.settimeout(timeout)
    data = _PENDING.pop(sock, b"")
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, {}, data  # closed before a whole status line and headers: data is what came
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    rest = bytearray(rest)  # appending to bytes copies it: quadratic for a 50 MB answer
    while len(rest) < length:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        rest += chunk
    if len(rest) < length:
        return None, headers, data  # closed in the middle of the body
    if len(rest) > length:
        _PENDING[sock] = bytes(rest[length:])
    return status, headers, bytes(rest[:length])


def request(port, method="GET", path="/health", body=None, headers=None, timeout=10, tls=None):
    """One request on a new connection; returns (status, headers, body, seconds)."""
    start = time.monotonic()
    s = connect(port, timeout)
    if tls is not None:
        s = tls.wrap_socket(s, server_hostname="localhost")
    try:
        data = body.encode() if isinstance(body, str) else (body or b"")
        h = {"Host": "127.0.0.1", "Connection": "close"}
        if body is not None:
            h["Content-Type"] = "application/json"
            h["Content-Length"] = str(len(data))
        h.update(headers or {})
        s.sendall((f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n")
                  .encode("latin-1") + data)
        status, hdrs, rbody = read_response(s, timeout)
        return status, hdrs, rbody, time.monotonic() - start
    finally:
        s.close()


class Load:
    """`clients` keep-alive clients POSTing `body` (default: an instrument request) to `path` until
    stop(); counts complete answers by status, and requests that were sent but never (or only partly)
    answered. `port` may be changed while running (a restarted server)."""

    def __init__(self, port, clients=16, tls=None, path="/workflow/instrument", body=None):
        self.port, self.tls, self.path = port, tls, path
        self.body = (body or instrument_body()).encode()
        self.counts = {}
        self.cut = 0         # part of a response arrived, then the connection closed
        self.unanswered = 0  # the request was sent, the connection closed without a byte back
        self.refused = 0
        self.latencies = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(clients)]
        for t in self.threads:
            t.start()

    def run(self):
        req = (f"POST {self.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(self.body)}\r\n\r\n").encode() + self.body
        s = None
        while not self.stopping.is_set():
            try:
                if s is None:
                    s = connect(self.port, timeout=10)
                    if self.tls:
                        s = self.tls.wrap_socket(s, server_hostname="localhost")
            except OSError:
                with self.lock:
                    self.refused += 1
                s = None
                time.sleep(0.02)
                continue
            start = time.monotonic()
            try:
                s.sendall(req)
                status, headers, rbody = read_response(s, timeout=15)
            except (OSError, ValueError, IndexError):
                status, headers, rbody = None, {}, b""
            if status is None:
                with self.lock:
                    if rbody:
                        self.cut += 1
                    else:
                        self.unanswered += 1
            else:
                with self.lock:
                    self.counts[status] = self.counts.get(status, 0) + 1
                    self.latencies.append(time.monotonic() - start)
            if status is None or headers.get("connection") == "close":
                s.close()
                s = None
        if s:
            s.close()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(30)
        return self

    def ok(self):
        return self.counts.get(200, 0)

    def non2xx(self):
        return sum(v for k, v in self.counts.items() if not 200 <= k < 300)


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


class Results:
    """Collects checks; prints RESULT lines (copied to bench/RESULTS.md) and ok/FAIL lines."""

    def __init__(self, bounds=True):
        self.failures = 0
        self.bounds = bounds  # False: time and memory bounds are reported, not enforced

    def bound(self, what, ok, detail=""):
        """A time or memory bound: enforced unless this is a sanitizer build."""
        if not self.bounds:
            print(f"  (not enforced in a sanitizer build) {what}: {detail}", flush=True)
            return True
        return self.check(what, ok, detail)

    def check(self, what, ok, detail=""):
        print(f"  {'ok' if ok else 'FAIL'}: {what}" + (f" ({detail})" if detail else ""), flush=True)
        if not ok:
            self.failures += 1
        return ok

    def result(self, name, outcome, bound):
        print(f"RESULT {name:34s} {outcome}  | bound: {bound}", flush=True)


DEPLOYMENT = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
              "    spec:\n      containers:\n        - name: app\n          image: eclipse-temurin:21-jre\n")


def instrument_body(manifest=DEPLOYMENT):
    return json.dumps({"manifest_content": manifest, "deployment_name": "web", "client_repo": "hardening"})


def make_certs(directory, cn="localhost"):
    """A CA and a server certificate for localhost/127.0.0.1 (openssl CLI); returns (ca, cert, key)."""
    os.makedirs(directory, exist_ok=True)
    ca, ca_key = f"{directory}/ca.crt", f"{directory}/ca.key"
    cert, key, csr, ext = (f"{directory}/server.crt", f"{directory}/server.key", f"{directory}/server.csr",
                           f"{directory}/server.ext")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    if not os.path.exists(ca):
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
            "-days", "30", "-subj", "/CN=Hardening Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={cn}")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
        "-days", "30", "-sha256", "-extfile", ext)
    return ca, cert, key
