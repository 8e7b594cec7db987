"""The HTTP transport of `traceassist serve` against request smuggling, bad Content-Length, slow
clients, pipelining and inconsistent answers (issue 19). Run by abusive_transport.sh; prints RESULT
lines and exits 1 on any failed check.
"""
import json
import os
import re
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from serve import (Results, Server, sanitized, connect, instrument_body, make_certs, read_response,  # noqa: E402
                   request, tls_context)

BIN = sys.argv[1]
R = Results(bounds=not sanitized(BIN))
WORK = tempfile.mkdtemp(prefix="transport-")
CA, CERT, KEY = make_certs(WORK)
TLS = tls_context(CA)
LIMIT = 1 << 20
HEALTH = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
# Every response seen by this script, for the header consistency checks at the end.
SEEN = []


def read_all(sock, timeout):
    """Everything the server sends until it closes (or `timeout` of silence); (bytes, closed, seconds)."""
    sock.settimeout(timeout)
    start = time.monotonic()
    data = b""
    closed = False
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
    except (socket.timeout, TimeoutError):
        pass
    except OSError:
        closed = True
    return data, closed, time.monotonic() - start


def statuses(data):
    return [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", data)]


def logged_requests(srv, since):
    return sum(1 for line in srv.output[since:] if '"msg":"request"' in line)


def send_quietly(sock, data):
    """Sends what the server accepts; it may close in the middle (that is the point)."""
    try:
        sock.sendall(data)
        return True
    except OSError:
        return False


def smuggling(srv):
    """Request-shaped bytes inside a rejected body must never be parsed as requests."""
    cases = {
        "chunked body over the limit, Connection: close": (
            b"POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n", True),
        "chunked body over the limit, keep-alive": (
            b"POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n", True),
        "body of a request answered from its headers (404)": (
            b"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", False),
        "body of a request refused from its headers (415)": (
            b"POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n", True),
    }
    for name, (head, chunked) in cases.items():
        since = len(srv.output)
        s = connect(srv.port, timeout=10)
        payload = HEALTH * ((LIMIT + 65536) // len(HEALTH) if chunked else 200)
        if chunked:
            # One request per chunk: wherever the server stops reading, what follows is request-shaped.
            body = (b"%x\r\n%s\r\n" % (len(HEALTH), HEALTH)) * (len(payload) // len(HEALTH) + 1)
            body += b"0\r\n\r\n"
            send_quietly(s, head + body)
        else:
            send_quietly(s, (head % len(payload)) + payload)
        data, closed, took = read_all(s, 10)
        s.close()
        time.sleep(1.3)  # request log lines are flushed every second
        got = statuses(data)
        logged = logged_requests(srv, since)
        R.check(f"smuggling, {name}: one response and one logged request, nothing parsed from the body",
                len(got) == 1 and logged == 1 and got[0] != 200, f"statuses {got[:5]}{'...' if len(got) > 5 else ''} "
                f"({len(got)}, {got.count(200)} x 200), {logged} requests logged, closed {closed}")
        R.result(f"smuggling: {name[:40]}", f"{len(got)} response(s) ({got.count(200)} x 200), {logged} logged",
                 "1 response, 1 logged request")
    R.check("smuggling: the server is alive", srv.alive() and request(srv.port)[0] == 200)


def bad_content_length(srv):
    """Negative or non-numeric: 400 at once; above the limit: 413 at once (no body is sent)."""
    cases = [("-1", 400), ("abc", 400), ("1e3", 400), ("12, 12", 400), (" ", 411), ("+5", 400),
             ("99999999999999999999999", 400), (str(LIMIT + 1), 413), (str(1 << 40), 413)]
    for value, want in cases:
        s = connect(srv.port, timeout=15)
        s.sendall(b"POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + value.encode() + b"\r\n\r\n")
        start = time.monotonic()
        try:
            status, headers, body = read_response(s, timeout=15)
        except OSError:
            status, headers, body = None, {}, b""
        took = time.monotonic() - start
        data, closed, _ = read_all(s, 2)
        s.close()
        SEEN.append(headers)
        R.bound(f"Content-Length {value!r}: {want} within 1 s, then closed",
                status == want and took < 1.0 and closed, f"status {status} after {took:.2f}s, closed {closed}")
        R.result(f"Content-Length {value[:20]!r}", f"{status} in {took * 1000:.0f} ms", f"{want} at once")
    # Two different lengths, and a length with a transfer coding: the classic smuggling pair.
    for name, extra in [("two Content-Length headers", b"Content-Length: 5\r\nContent-Length: 6\r\n"),
                        ("Content-Length with Transfer-Encoding",
                         b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
                        ("Transfer-Encoding gzip", b"Transfer-Encoding: gzip\r\n")]:
        s = connect(srv.port, timeout=15)
        s.sendall(b"POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extra +
                  b"\r\nhello" + HEALTH)
        data, closed, took = read_all(s, 5)
        s.close()
        got = statuses(data)
        R.check(f"{name}: one 400 (or 501), then closed", len(got) == 1 and got[0] in (400, 501) and closed,
                f"statuses {got}, closed {closed}")


def trickle(s, pieces):
    """Sends one piece every 2 s until the server answers or closes; (seconds held or None, status)."""
    start = time.monotonic()
    for piece in pieces:
        time.sleep(2)
        if not send_quietly(s, piece):
            return time.monotonic() - start, None
        s.settimeout(0.01)
        try:
            if s.recv(1, socket.MSG_PEEK) == b"":
                return time.monotonic() - start, None  # closed without an answer
        except (socket.timeout, TimeoutError, BlockingIOError):
            continue
        except OSError:
            return time.monotonic() - start, None
        held = time.monotonic() - start
        s.settimeout(5)
        status, headers, _ = read_response(s)
        SEEN.append(headers)
        return held, status
    return None, None


def slow_headers(srv, header_timeout):
    s = connect(srv.port, timeout=30)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    held, status = trickle(s, [b"X-Trickle-%d: y\r\n" % i for i in range(15)])  # 30 s, a line every 2 s
    s.close()
    R.bound(f"a header line every 2 s: cut off by the {header_timeout} s header deadline (408)",
            held is not None and held < header_timeout + 3 and status == 408, f"held {held if held is None else round(held, 1)} s, "
            f"status {status}")
    R.result("slow headers (a line every 2 s)", f"cut off after {held:.1f} s" if held else "held for 30 s and more",
             f"<= header deadline {header_timeout} s + 3")


def slow_body(srv, body_timeout):
    body = instrument_body().encode()
    s = connect(srv.port, timeout=30)
    s.sendall(b"POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body))
    held, status = trickle(s, [body[i:i + 1] for i in range(20)])  # 40 s, a byte every 2 s
    s.close()
    R.bound(f"a body byte every 2 s: cut off by the {body_timeout} s body deadline (408)",
            held is not None and held < body_timeout + 3 and status == 408,
            f"held {held if held is None else round(held, 1)} s, status {status}")
    R.result("slow body (a byte every 2 s)", f"{status} after {held:.1f} s" if held else "held for 40 s and more",
             f"408 within body deadline {body_timeout} s + 3")


def pipelining(srv, port, tls=None, n=20):
    """Pipelined requests are answered in order (the client's X-Request-Id comes back in order)."""
    s = connect(port, timeout=10)
    if tls:
        s = tls.wrap_socket(s, server_hostname="localhost")
    body = instrument_body().encode()
    reqs = b""
    for i in range(n):
        if i % 5 == 2:
            reqs += (b"POST /workflow/instrument HTTP/1.1\r\nHost: x\r\nX-Request-Id: p%d\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (i, len(body), body))
        else:
            reqs += b"GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: p%d\r\n\r\n" % i
    start = time.monotonic()
    s.sendall(reqs)
    ids = []
    try:
        for _ in range(n):
            status, headers, _ = read_response(s, timeout=5)
            if status != 200:
                break
            SEEN.append(headers)
            ids.append(headers.get("x-request-id"))
    except OSError:
        pass
    took = time.monotonic() - start
    s.close()
    want = [f"p{i}" for i in range(n)]
    kind = "HTTPS" if tls else "HTTP"
    R.check(f"{n} pipelined requests over {kind}: all answered, in order", ids == want,
            f"{len(ids)} answered in {took:.2f}s: {ids[:6]}")
    R.result(f"pipelining x{n} over {kind}", f"{len(ids)}/{n} answered in order in {took * 1000:.0f} ms",
             "all, in order")


def consistency(srv):
    # A garbage request line, and other answers cpp-httplib produces on its own.
    for raw in [b"\x16\x03\x01garbage\r\n\r\n", b"GET\r\n\r\n", b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
                b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n"]:
        s = connect(srv.port, timeout=10)
        s.sendall(raw)
        try:
            status, headers, body = read_response(s, timeout=10)
        except (OSError, ValueError, IndexError):
            status, headers, body = None, {}, b""
        s.close()
        SEEN.append(headers)
        R.check(f"request {raw[:16]!r}...: answered with an X-Request-Id and a JSON error",
                status is not None and bool(headers.get("x-request-id")) and
                headers.get("content-type", "").startswith("application/json"),
                f"status {status}, headers {sorted(headers)}")
    # /mutate errors are JSON like the API's.
    for body in ["not json", "[]", json.dumps({"kind": "AdmissionReview"})]:
        status, headers, rbody, _ = request(srv.tls_port, "POST", "/mutate", body, tls=TLS)
        SEEN.append(headers)
        try:
            parsed = json.loads(rbody)
        except ValueError:
            parsed = None
        R.check(f"/mutate {body[:20]!r}: 400 JSON {{code, message}}",
                status == 400 and headers.get("content-type", "").startswith("application/json") and
                isinstance(parsed, dict) and "code" in parsed and "message" in parsed,
                f"status {status}, {headers.get('content-type')}, {rbody[:60]!r}")
    # Never both Connection: close and Keep-Alive, on any response seen in this run.
    both = [h for h in SEEN if h.get("connection", "").lower() == "close" and "keep-alive" in h]
    R.check(f"no response carries both Connection: close and Keep-Alive ({len(SEEN)} responses)",
            not both, f"{len(both)} do, e.g. {both[:1]}")
    R.check("every response has an X-Request-Id", all(h.get("x-request-id") for h in SEEN if h),
            f"{sum(1 for h in SEEN if h and not h.get('x-request-id'))} lack one")

WORKLOAD = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%d\nspec:\n  template:\n    spec:\n"
            "      containers:\n        - name: app\n          image: eclipse-temurin:21-jre\n")


def workloads(n):
    return "---\n".join(WORKLOAD % i for i in range(n))


def large_manifests():
    """A manifest over one piece (256 KiB) is rewritten in pieces: numbers stay those of the whole
    stream; over 1 MiB the report is compact; a 10 MiB workload-dense request peaks under 8x its size."""
    with Server(BIN, env={"TRACEASSIST_LOG_LEVEL": "info"}) as srv:
        n = 4000  # ~0.6 MB: three pieces, full report
        manifest = workloads(n)
        status, _, body, _ = request(srv.port, "POST", "/workflow/instrument", instrument_body(manifest), timeout=120)
        answer = json.loads(body) if status == 200 else {}
        objects = answer.get("objects", [])
        lines = manifest.split("\n")
        right = [o for i, o in enumerate(objects) if o["document"] == i + 1 and o.get("containers")
                 and lines[o["line"] - 1] == f"  name: web-{i}"]
        R.check(f"{n} workloads in pieces: every object's document and line are the whole stream's",
                status == 200 and len(right) == n and "report" not in answer, f"{len(right)} of {len(objects)} right")
        out = answer.get("modified_manifest_content", "")
        R.check("... and every one is instrumented, once",
                out.count("instrumentation.opentelemetry.io/inject-java") == n and out.count("\n---\n") == n - 1)

        bad = manifest + "\n---\nkind: [\n"
        status, _, body, _ = request(srv.port, "POST", "/workflow/instrument", instrument_body(bad), timeout=120)
        error = json.loads(body) if body.startswith(b"{") else {}
        want = (n + 1, len(lines) + 3)  # yaml-cpp reports the unclosed "[" at the end of the input
        R.check("an error in a later piece is located in the whole stream",
                status == 400 and (error.get("document"), error.get("line")) == want, f"{status} {error} want {want}")

        # What the answer adds never takes an object's annotations over Kubernetes' 256 KiB.
        notes = "x" * (262144 - 100 - len("example.com/notes"))
        big = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: noted\nspec:\n  template:\n"
               f"    metadata:\n      annotations:\n        example.com/notes: {notes}\n"
               "    spec:\n      containers:\n        - name: app\n          image: eclipse-temurin:21-jre\n")
        status, _, body, _ = request(srv.port, "POST", "/workflow/instrument", instrument_body(big), timeout=60)
        answer = json.loads(body) if status == 200 else {}
        objects = answer.get("objects") or [{}]
        R.check("annotations 100 bytes under 256 KiB: left unchanged, reason annotations_too_large",
                status == 200 and answer.get("changes_made") is False and answer.get("modified_manifest_content") == big
                and objects[0].get("reasons") == ["annotations_too_large"], f"{status} {objects[0].get('reasons')}")

        n = 8000 if sanitized(BIN) else 56000  # ~10 MiB, just under the default body limit
        body_in = instrument_body(workloads(n))
        base = srv.rss_mib()
        status, _, body, took = request(srv.port, "POST", "/workflow/instrument", body_in, timeout=600)
        peak = srv.peak_mib()
        answer = json.loads(body) if status == 200 else {}
        objects = answer.get("objects", [])
        R.check(f"{len(body_in) / (1 << 20):.1f} MiB request of {n} workloads: 200 with a compact report of every object",
                status == 200 and answer.get("report") == "compact" and len(objects) == n
                and objects[-1].get("document") == n and "containers" not in objects[-1]
                and answer["modified_manifest_content"].count("opentelemetry.io/inject-java:") == n, f"{status}, {took:.1f} s")
        ratio = peak * (1 << 20) / len(body_in)
        R.result(f"{len(body_in) / (1 << 20):.1f} MiB API request, peak RSS", f"{peak:.0f} MiB ({ratio:.1f}x the request; idle {base:.0f} MiB), "
                 f"answer {len(body) / 1e6:.1f} MB", "8x")
        R.bound("... peak RSS at most 8x the request", ratio <= 8, f"{peak:.0f} MiB, {ratio:.1f}x")


def main():
    header_timeout, body_timeout = 5, 6
    env = {"TRACEASSIST_LOG_LEVEL": "info", "TRACEASSIST_MAX_BODY_BYTES": str(LIMIT),
           "TRACEASSIST_READ_TIMEOUT_MS": "3000", "TRACEASSIST_HEADER_TIMEOUT_MS": str(header_timeout * 1000),
           "TRACEASSIST_BODY_TIMEOUT_MS": str(body_timeout * 1000)}
    with Server(BIN, env=env, tls=(CERT, KEY)) as srv:
        print(f"serve: HTTP {srv.port}, HTTPS {srv.tls_port}", flush=True)
        smuggling(srv)
        bad_content_length(srv)
        pipelining(srv, srv.port)
        pipelining(srv, srv.tls_port, TLS)
        consistency(srv)
        slow_headers(srv, header_timeout)
        slow_body(srv, body_timeout)
        R.check("the server survived", srv.alive() and request(srv.port)[0] == 200)
    large_manifests()
    print(f"failures: {R.failures}")
    sys.exit(1 if R.failures else 0)


main()
