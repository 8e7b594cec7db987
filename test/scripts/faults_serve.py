"""Faults around a real `traceassist serve`: SIGKILL and restart, SIGTERM under load, certificate files
replaced with garbage (and then rotated), and PostgreSQL killed and restarted under load (when a
throwaway PostgreSQL is provided by scripts/with-postgres.sh). Run by faults_serve.sh; prints RESULT
lines and exits 1 on any failed check.
"""
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from serve import Load, Results, Server, sanitized, connect, instrument_body, make_certs, request, tls_context  # noqa

BIN = sys.argv[1]
R = Results(bounds=not sanitized(sys.argv[1]))
WORK = tempfile.mkdtemp(prefix="faults-")
DB = os.environ.get("TRACEASSIST_TEST_DATABASE_URL")
PG_CTL = os.environ.get("TRACEASSIST_TEST_PG_CTL")


def wait_ready(port, timeout=20, tls=None):
    deadline = time.monotonic() + timeout
    start = time.monotonic()
    while time.monotonic() < deadline:
        try:
            status, _, _, _ = request(port, path="/ready", timeout=2, tls=tls)
            if status == 200:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.05)
    return None


def psql(sql):
    out = subprocess.run(["psql", DB, "-Atc", sql], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def usage_rows():
    """Rows in usage_events; 0 before the server created the table."""
    if psql("SELECT to_regclass('usage_events') IS NOT NULL") != "t":
        return 0
    n = psql("SELECT count(*) FROM usage_events")
    return int(n) if n not in (None, "") else None


def metric(port, name):
    _, _, body, _ = request(port, path="/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def sigkill_restart():
    srv = Server(BIN, env={"TRACEASSIST_LOG_LEVEL": "info"})
    load = Load(srv.port, clients=8)
    time.sleep(2)
    srv.send_signal(signal.SIGKILL)
    srv.proc.wait()
    load.stop()
    port = srv.port
    srv.args = ["serve", "--port", str(port)]
    start = time.monotonic()
    srv.start()
    ready = wait_ready(srv.port)
    total = time.monotonic() - start
    R.check("SIGKILL under load, restart on the same port: ready again", ready is not None,
            f"ready {total:.2f}s after the restart")
    status, _, _, _ = request(srv.port, "POST", "/workflow/instrument", instrument_body())
    R.check("after SIGKILL and restart: an instrument request is answered 200", status == 200)
    R.result("SIGKILL under load, then restart", f"ready {total:.2f}s after restart; {load.ok()} ok before the kill",
             "ready within 20 s")
    srv.stop()


def sigterm_under_load():
    env = {"TRACEASSIST_LOG_LEVEL": "info", "TRACEASSIST_DRAIN_TIMEOUT_S": "10"}
    if DB:
        env["DATABASE_URL"] = DB
    before = usage_rows() if DB else None
    srv = Server(BIN, env=env)
    load = Load(srv.port, clients=16)
    time.sleep(3)
    srv.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    try:
        code = srv.proc.wait(30)
    except subprocess.TimeoutExpired:
        code = None
    took = time.monotonic() - t0
    load.stop()
    R.check("SIGTERM under load: exit 0 within the drain timeout", code == 0, f"exit {code} after {took:.2f}s")
    R.check("SIGTERM under load: no response cut mid-way", load.cut == 0,
            f"{load.ok()} answered 200, {load.cut} cut, {load.unanswered} sent on a keep-alive connection the "
            f"server was closing (no byte back: safe to retry), {load.refused} refused connects")
    R.bound("SIGTERM under load: at most 1% of requests meet a closing keep-alive connection",
            load.unanswered <= max(1, load.ok() // 100), f"{load.unanswered}")
    R.check("SIGTERM under load: every answer was 200", load.non2xx() == 0, str(load.counts))
    rows = None
    if DB and before is not None:
        rows = usage_rows() - before
        R.check("SIGTERM under load: analytics flushed (one row per answered request)", rows == load.ok(),
                f"{rows} rows for {load.ok()} requests")
    R.result("SIGTERM under 16 keep-alive clients", f"exit {code} in {took:.2f}s; {load.ok()} x 200, {load.cut} cut, "
             f"{load.unanswered} unanswered on closing keep-alive connections; "
             f"analytics rows {rows if rows is not None else 'n/a (no PostgreSQL)'}",
             "no response cut; exit 0; rows == requests")
    srv.stop()


def cert_garbage_then_rotation():
    d = os.path.join(WORK, "tls")
    ca, cert, key = make_certs(d, cn="localhost")
    srv = Server(BIN, env={"TRACEASSIST_LOG_LEVEL": "info"}, tls=(cert, key))
    ctx = tls_context(ca)

    def served_cert():
        s = ctx.wrap_socket(connect(srv.tls_port), server_hostname="localhost")
        der = s.getpeercert(binary_form=True)
        s.close()
        return der

    first = served_cert()
    load = Load(srv.tls_port, clients=4, tls=ctx)
    with open(cert, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n")
    with open(key, "wb") as f:
        f.write(os.urandom(512))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "reload refused" not in srv.log():
        time.sleep(0.1)
    refused = "reload refused" in srv.log()
    still = served_cert()
    R.check("certificate files replaced with garbage: the reload is refused and logged", refused)
    R.check("certificate files replaced with garbage: the old certificate is still served", still == first)
    # Rotation to a new valid pair (written to temporary names, then renamed, as a Secret update does).
    tmp = os.path.join(WORK, "tls-new")
    os.makedirs(tmp, exist_ok=True)
    for name in ("ca.crt", "ca.key", "ca.srl"):
        if os.path.exists(os.path.join(d, name)):
            shutil.copy(os.path.join(d, name), os.path.join(tmp, name))
    _, new_cert, new_key = make_certs(tmp, cn="localhost")
    os.replace(new_key, key)
    os.replace(new_cert, cert)
    deadline = time.monotonic() + 10
    rotated = None
    while time.monotonic() < deadline:
        now = served_cert()
        if now != first:
            rotated = now
            break
        time.sleep(0.1)
    load.stop()
    R.check("a valid new pair is picked up without a restart", rotated is not None)
    R.check("TLS clients during garbage and rotation: every answer 200, none cut",
            load.non2xx() == 0 and load.cut == 0 and load.unanswered == 0,
            f"{load.counts}, cut {load.cut}, unanswered {load.unanswered}")
    R.result("cert files replaced with garbage, then rotated", f"old cert kept: {still == first}; rotated: "
             f"{rotated is not None}; {load.ok()} HTTPS requests 200, {load.cut} cut",
             "old pair kept, no failed request")
    srv.stop()


def postgres_outage():
    if not (DB and PG_CTL):
        print("PostgreSQL outage: skipped (run under scripts/with-postgres.sh to include it)")
        return
    before = usage_rows()
    srv = Server(BIN, env={"TRACEASSIST_LOG_LEVEL": "info", "DATABASE_URL": DB})
    load = Load(srv.port, clients=8)
    time.sleep(3)
    subprocess.run([PG_CTL, "stop", "-m", "immediate"], capture_output=True)
    time.sleep(4)
    _, _, ready_body, _ = request(srv.port, path="/ready")
    subprocess.run([PG_CTL, "start"], capture_output=True)
    time.sleep(6)
    load.stop()
    dropped = metric(srv.port, "traceassist_analytics_dropped_total") or 0
    srv.stop()  # drains; the analytics queue is flushed on the way out
    rows = usage_rows() - before
    R.check("PostgreSQL killed under load: every API request still answered 200",
            load.non2xx() == 0 and load.cut == 0 and load.unanswered == 0,
            f"{load.counts}, cut {load.cut}, unanswered {load.unanswered}")
    R.check("PostgreSQL killed and restarted: the server reconnects and writes again", rows > 0,
            f"/ready during the outage: {ready_body[:120]!r}")
    R.check("no analytics event lost without being counted: rows + dropped == requests",
            rows + int(dropped) == load.ok(), f"{rows} rows + {int(dropped)} dropped (queue full) vs {load.ok()}")
    R.result("PostgreSQL killed (immediate) and restarted under load",
             f"{load.ok()} x 200, {load.non2xx()} non-2xx; rows written {rows} of {load.ok()}, {int(dropped)} dropped "
             "and counted (queue of 10000 full during the 4 s outage)", "requests unaffected; rows + dropped == "
             "requests")
    srv.stop()


sigkill_restart()
sigterm_under_load()
cert_garbage_then_rotation()
postgres_outage()
print(f"failures: {R.failures}")
sys.exit(1 if R.failures else 0)
