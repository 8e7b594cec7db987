"""Abusive clients and overload against a real `traceassist serve` (HTTP and HTTPS listeners).
Run by abusive_clients.sh; prints RESULT lines (outcome | bound) and exits 1 on any failed check.

Each case names the library-facts trap it would catch if the server left it open.
"""
import os
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from serve import (Results, Server, sanitized, connect, instrument_body, make_certs, percentile, read_response,  # noqa: E402
                   request, tls_context)

BIN = sys.argv[1]
R = Results(bounds=not sanitized(sys.argv[1]))
WORK = tempfile.mkdtemp(prefix="abusive-")
CA, CERT, KEY = make_certs(WORK)
TLS = tls_context(CA)


def health_ok(port, tls=None, timeout=1.0):
    try:
        status, _, _, took = request(port, tls=tls, timeout=timeout)
        return status == 200 and took < timeout, took
    except OSError as e:
        return False, str(e)


def chunked_over_limit(srv):
    """§2.5: chunked bodies bypass payload_max_length and are buffered whole."""
    limit = 1 << 20
    s = connect(srv.port, timeout=10)
    s.sendall(b"POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    rss_before = srv.rss_mib()
    chunk = b"x" * 65536
    sent = 0
    refused_at = None
    try:
        while sent < 256 << 20:
            s.sendall(b"10000\r\n" + chunk + b"\r\n")
            sent += len(chunk)
    except OSError:
        refused_at = sent
    status = None
    try:
        status, _, _ = read_response(s, timeout=10)
    except OSError:
        pass
    s.close()
    grown = srv.rss_mib() - rss_before
    R.check("chunked body over the limit: refused with 413 (or the connection cut)",
            status == 413 or (status is None and refused_at is not None), f"status {status}")
    R.bound("chunked body over the limit: not buffered (RSS growth < 32 MiB)", grown < 32, f"grew {grown:.1f} MiB")
    R.result("chunked body, 256 MiB offered, 1 MiB limit",
             f"{status}; {'connection cut after ' + str(refused_at >> 20) + ' MiB' if refused_at else 'body drained, not stored'}"
             f"; RSS +{grown:.1f} MiB", "refused; RSS growth < 32 MiB")


def slowloris(srv, count=300):
    """§2.6: trickling clients hold workers; /health must still answer within 1 s."""
    socks = []
    for _ in range(count):
        try:
            s = connect(srv.port)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            break
    stop = threading.Event()
    closed = [0]

    def trickle():
        while not stop.is_set():
            for s in list(socks):
                try:
                    s.send(b"X")
                except OSError:
                    closed[0] += 1
                    socks.remove(s)
            time.sleep(1)

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    time.sleep(2)
    times = []
    for _ in range(10):
        ok, took = health_ok(srv.port, timeout=1.0)
        times.append(took if ok else 99)
        time.sleep(0.1)
    stop.set()
    t.join()
    for s in socks:
        s.close()
    worst = max(times)
    R.bound(f"{count} slowloris connections: /health 200 within 1 s", worst < 1.0, f"worst {worst:.3f}s")
    R.result(f"slowloris x{count} (1 header byte/s)", f"/health worst {worst * 1000:.0f} ms; {closed[0]} trickling "
             "connections closed by the server", "/health < 1 s")


def half_requests_tls(srv, count=300):
    """§2.6: TLS handshakes that never finish (idle TCP to the TLS port, half a ClientHello)."""
    socks = []
    for i in range(count):
        try:
            s = connect(srv.tls_port)
            if i % 2:
                s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a ClientHello cut short
            socks.append(s)
        except OSError:
            break
    time.sleep(1)
    ok, took = health_ok(srv.tls_port, tls=TLS, timeout=1.0)
    ok_plain, took_plain = health_ok(srv.port, timeout=1.0)
    for s in socks:
        s.close()
    R.bound(f"{len(socks)} unfinished TLS handshakes: HTTPS /health 200 within 1 s", ok, f"{took}")
    R.bound(f"{len(socks)} unfinished TLS handshakes: HTTP /health 200 within 1 s", ok_plain, f"{took_plain}")
    R.result(f"unfinished TLS handshakes x{len(socks)}",
             f"HTTPS /health {took if isinstance(took, str) else f'{took * 1000:.0f} ms'}", "< 1 s")


def plain_http_to_tls(srv):
    s = connect(srv.tls_port)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    start = time.monotonic()
    s.settimeout(10)
    try:
        data = s.recv(4096)
    except OSError:
        data = b""
    took = time.monotonic() - start
    s.close()
    answered_http = data.startswith(b"HTTP/")
    ok, _ = health_ok(srv.tls_port, tls=TLS)
    R.check("plain HTTP to the TLS port: no HTTP answer, connection closed", not answered_http,
            f"{len(data)} bytes back in {took:.2f}s")
    R.check("plain HTTP to the TLS port: HTTPS still serves", ok)
    R.result("plain HTTP sent to the TLS port", f"closed after {took:.2f}s with {len(data)} bytes (TLS alert)",
             "closed within the read timeout")


def odd_urls(srv):
    """§2.0/§2.8: URIs over 8 KiB, and long paths that crash regex routes with alternation."""
    cases = [
        ("/" + "ab" * 3750, None), ("/workflow/" + "a" * 7400, None), ("/" + "x" * 9000, 414),
        ("/health/../health", None), ("//health", None), ("/health%00", None), ("/%zz", None),
        ("*", None), ("/health?" + "a=1&" * 1500, None), ("/\xe2\x80\xae", None),
    ]
    statuses = []
    for path, want in cases:
        try:
            status, headers, body, _ = request(srv.port, path=path)
        except OSError as e:
            status, headers, body = None, {}, str(e).encode()
        statuses.append(status)
        if want:
            R.check(f"URI of {len(path)} bytes: {want}", status == want, f"got {status}")
        R.check(f"odd URL ({path[:24]!r}, {len(path)} B): an answer, no exception text",
                status is not None and "exception_what" not in headers, f"status {status}")
    R.check("odd URLs: the server is alive afterwards", srv.alive() and health_ok(srv.port)[0])
    R.result("long and odd URLs (10 kinds, up to 9000 B)", f"statuses {sorted(set(s for s in statuses if s))}; alive",
             "4xx answers, no crash (regex routes), no exception header")


def pipelining(srv, n=50):
    """Pipelined requests are answered in order (the connection guard keeps cpp-httplib from reading
    past a request; abusive_transport.py checks the order, TLS and bodies)."""
    s = connect(srv.port)
    start = time.monotonic()
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" * n)
    got = 0
    try:
        while got < n:
            status, _, _ = read_response(s, timeout=15)
            if status != 200:
                break
            got += 1
    except OSError:
        pass
    took = time.monotonic() - start
    s.close()
    R.check(f"{n} pipelined requests: all answered", got == n, f"{got} answered in {took:.1f}s")
    R.check("pipelining: the server is unaffected", health_ok(srv.port)[0])
    R.result(f"pipelined requests x{n} in one write", f"{got}/{n} answered in {took * 1000:.0f} ms",
             "all answered")


def overload(srv, clients=256, seconds=10):
    """§2.3: the task queue is unbounded; beyond capacity the server must shed (503 + Retry-After) or
    limit connections, keep /health p99 bounded, keep memory bounded, and recover afterwards."""
    stop = threading.Event()
    counts = {"ok": 0, "503": 0, "retry_after": 0, "other": 0, "conn_error": 0}
    lock = threading.Lock()
    body = instrument_body().encode()
    req = (b"POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    def client():
        s = None
        while not stop.is_set():
            try:
                if s is None:
                    s = connect(srv.port, timeout=10)
                s.sendall(req)
                status, headers, _ = read_response(s, timeout=10)
                key = "ok" if status == 200 else "503" if status == 503 else "other"
                with lock:
                    counts[key] += 1
                    if status == 503 and "retry-after" in headers:
                        counts["retry_after"] += 1
                if status != 200 or headers.get("connection") == "close":
                    s.close()
                    s = None
                    if status == 503:
                        time.sleep(0.05)
            except (OSError, ValueError, IndexError):
                with lock:
                    counts["conn_error"] += 1
                if s:
                    s.close()
                s = None
                time.sleep(0.05)
        if s:
            s.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    health, peak = [], 0.0
    health_fail = 0
    health_status = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            status, _, _, took = request(srv.port, timeout=5)
            health_status[status] = health_status.get(status, 0) + 1
            health.append(took)
            if status != 200:
                health_fail += 1
        except OSError:
            health_fail += 1
        peak = max(peak, srv.rss_mib())
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(15)
    p99 = percentile(health, 99)
    time.sleep(1)
    recovered, took = health_ok(srv.port, timeout=1.0)
    status, _, _, _ = request(srv.port, "POST", "/workflow/instrument", instrument_body())
    shed = counts["503"] + counts["conn_error"]
    R.check(f"{clients} keep-alive clients: answered, and anything shed got 503 + Retry-After",
            counts["ok"] > 0 and counts["retry_after"] == counts["503"] and counts["other"] == 0, str(counts))
    R.bound("overload: /health (new connections, like the kubelet's) answers 200 with p99 < 1 s",
            p99 < 1.0 and health_fail == 0, f"p99 {p99 * 1000:.0f} ms over {len(health)} probes, statuses {health_status}")
    R.bound("overload: peak RSS < 512 MiB", srv.peak_mib() < 512, f"{srv.peak_mib():.0f} MiB")
    R.check("overload: recovers by itself (/health within 1 s, an instrument request 200)",
            recovered and status == 200)
    R.result(f"overload: {clients} keep-alive clients x {seconds}s",
             f"{counts['ok']} ok, {counts['503']} x 503+Retry-After, {counts['conn_error']} conn errors, "
             f"/health p99 {p99 * 1000:.0f} ms, peak RSS {srv.peak_mib():.0f} MiB, recovered {recovered}",
             "503+Retry-After or connection limits; /health p99 < 1 s; RSS < 512 MiB; recovers")
    return shed


def hostile_manifests(srv):
    """yaml-cpp traps through the API and the webhook (§1.5, §1.6): nesting at the guard and far beyond
    it, an alias bomb and a self-referencing anchor, a stray ',' (endless parse in yaml-cpp 0.7), and a
    100k-deep JSON AdmissionReview. Each must be answered quickly and the server must stay up."""
    import json
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 30))
    cases = {
        "nesting 400": ("[" * 400 + "]" * 400, 200),
        "nesting 100k": ("[" * 100000, 400),
        "alias bomb 9^30": (bomb, 400),
        "self-referencing anchor": ("a: &a [*a]\nb: &m {k: *m}\n", 400),
        "stray comma": (",\n", 400),
    }
    for name, (manifest, want) in cases.items():
        status, _, body, took = request(srv.port, "POST", "/workflow/instrument",
                                        json.dumps({"manifest_content": manifest}), timeout=15)
        R.bound(f"API, {name}: {want} within 2 s", status == want and took < 2.0, f"status {status}, {took:.2f}s")
        R.result(f"API manifest: {name}", f"status {status} in {took * 1000:.0f} ms", f"{want}, < 2 s, no crash")
    deep = '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":' + \
        "[" * 100000 + "]" * 100000 + "}}"
    status, _, _, took = request(srv.tls_port, "POST", "/mutate", deep, tls=TLS, timeout=15)
    R.bound("webhook, 100k-deep JSON: answered within 2 s", status is not None and took < 2.0,
            f"status {status}, {took:.2f}s")
    R.result("webhook AdmissionReview nested 100k deep", f"status {status} in {took * 1000:.0f} ms", "answered, < 2 s")
    R.check("hostile manifests: the server is alive", srv.alive() and health_ok(srv.port)[0])


def form_urlencoded_and_nagle(srv):
    """§2.0: cpp-httplib refuses x-www-form-urlencoded bodies over 8 KiB whatever the limit (curl --data
    sends that type); §2.8: Nagle adds ~40 ms per keep-alive request unless TCP_NODELAY is set."""
    import json
    body = json.dumps({"manifest_content": "# pad\n" * 2000 + "apiVersion: v1\nkind: ConfigMap\n"})
    status, _, _, _ = request(srv.port, "POST", "/workflow/instrument", body,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    R.check(f"a {len(body)}-byte JSON body sent as x-www-form-urlencoded (curl --data): a clear 415, not "
            "cpp-httplib's 8 KiB form limit (413)", status in (200, 415), f"status {status}")
    s = connect(srv.port)
    times = []
    for _ in range(50):
        t0 = time.monotonic()
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        read_response(s, timeout=5)
        times.append(time.monotonic() - t0)
    s.close()
    median = sorted(times)[len(times) // 2]
    R.bound("keep-alive requests: median < 20 ms (Nagle off)", median < 0.020, f"median {median * 1000:.1f} ms")
    R.result("50 sequential keep-alive requests", f"median {median * 1000:.1f} ms; form-urlencoded {len(body)} B -> "
             f"{status}", "median < 20 ms (Nagle: ~40 ms); 200")


def main():
    env = {"TRACEASSIST_LOG_LEVEL": "info", "TRACEASSIST_MAX_BODY_BYTES": str(1 << 20),
           "TRACEASSIST_READ_TIMEOUT_MS": "2000"}
    with Server(BIN, env=env, tls=(CERT, KEY)) as srv:
        print(f"serve: HTTP {srv.port}, HTTPS {srv.tls_port}", flush=True)
        chunked_over_limit(srv)
        hostile_manifests(srv)
        form_urlencoded_and_nagle(srv)
        odd_urls(srv)
        pipelining(srv)
        plain_http_to_tls(srv)
        half_requests_tls(srv)
        slowloris(srv)
        R.check("the server survived every abusive client", srv.alive())
    overload_env = dict(env, TRACEASSIST_MAX_CONNECTIONS="128")
    with Server(BIN, env=overload_env) as srv:
        overload(srv)
        R.check("the server survived the overload", srv.alive())
    print(f"failures: {R.failures}")
    sys.exit(1 if R.failures else 0)


main()
