"""Runs the README's console blocks and compares their output (see ../readme_examples.sh)."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

binary, source = sys.argv[1], sys.argv[2]
readme = open(os.path.join(source, "README.md"), encoding="utf-8").read().splitlines()
failures = 0


def fail(message):
    global failures
    failures += 1
    print("FAIL: " + message)


def blocks():
    """(line number, language, marker line before it, body lines) for every fenced block."""
    i = 0
    while i < len(readme):
        m = re.match(r"^\s*```(\w*)\s*$", readme[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        j = i + 1
        while j < len(readme) and not re.match(r"^\s*```\s*$", readme[j]):
            j += 1
        before = next((readme[k] for k in range(start - 1, -1, -1) if readme[k].strip()), "")
        body = readme[start + 1:j]
        while body and not body[-1].strip():
            body.pop()
        yield start + 1, lang, before.strip(), body
        i = j + 1


def sessions(body):
    """[(command, expected output lines)] from a console block: `$ ` lines, continued by a trailing
    backslash or pipe."""
    out, i = [], 0
    while i < len(body):
        if not body[i].startswith("$ "):
            i += 1
            continue
        command = body[i][2:]
        while (command.endswith("\\") or command.rstrip().endswith("|")) and i + 1 < len(body):
            i += 1
            command += "\n" + body[i]
        i += 1
        expected = []
        while i < len(body) and not body[i].startswith("$ "):
            expected.append(body[i])
            i += 1
        out.append((command, expected))
    return out


def matches(expected, actual):
    """Line-wise match; "…" alone matches any lines, "…" within a line any characters."""
    if not expected:
        return not actual
    head = expected[0]
    if head.strip() == "…":
        return any(matches(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    if not actual:
        return False
    pattern = ".*".join(re.escape(part) for part in head.split("…"))
    return re.fullmatch(pattern, actual[0]) is not None and matches(expected[1:], actual[1:])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


work = tempfile.mkdtemp()
bindir = os.path.join(work, "bin")
os.makedirs(bindir)
for name in ("traceassist", "traceassist-server"):
    os.symlink(os.path.join(os.path.dirname(binary), name), os.path.join(bindir, name))
os.symlink(os.path.join(source, "examples"), os.path.join(work, "examples"))
port, tls_port = free_port(), free_port()
env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"],
           TRACEASSIST_BIND="127.0.0.1", TRACEASSIST_PORT=str(port), TRACEASSIST_TLS_PORT=str(tls_port))
servers = []


def start_server(tls):
    """A `traceassist serve` on the free ports, for blocks that talk to one without starting it."""
    cmd = ["traceassist", "serve"]
    if tls:
        if not os.path.exists(os.path.join(work, "certs")):
            subprocess.run(["traceassist", "certs", "--service", "traceassist", "--namespace",
                            "traceassist", "--out", "certs"], cwd=work, env=env, check=True,
                           capture_output=True)
        cmd += ["--tls-cert", "certs/tls.crt", "--tls-key", "certs/tls.key"]
    servers.append(subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL))
    if not wait_for(tls_port if tls else port):
        fail("the server for the README examples did not start")


try:
    checked = 0
    for line, lang, before, body in blocks():
        if lang not in ("console", "sh", "bash", "shell"):
            continue
        marker = re.match(r"<!-- untested: (.+) -->", before)
        if marker:
            continue
        if lang != "console":
            fail(f"README.md:{line}: a ```{lang} block that is neither run (```console) nor marked "
                 "<!-- untested: REASON -->")
            continue
        text = "\n".join(body)
        starts_server = "traceassist serve" in text
        if not starts_server and ":8443" in text and not servers:
            start_server(tls=True)
        elif not starts_server and ":8000" in text and not servers:
            start_server(tls=False)
        for command, expected in sessions(body):
            command = command.replace(":8443", f":{tls_port}").replace(":8000", f":{port}")
            background = command.rstrip().endswith("&")
            if background:
                servers.append(subprocess.Popen(["bash", "-c", command.rstrip()[:-1]], cwd=work, env=env,
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                if not wait_for(tls_port if "TLS_CERT" in command else port):
                    fail(f"README.md:{line}: `{command}` did not start listening")
                continue
            # One pipe for both streams, so that they interleave as on a terminal.
            run = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=work, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 timeout=60)
            run.stderr = run.stdout
            actual = run.stdout.splitlines()
            while actual and not actual[-1].strip():
                actual.pop()
            checked += 1
            if run.returncode != 0:
                fail(f"README.md:{line}: `{command}` exited {run.returncode}: {run.stderr[-400:]}")
            elif not matches(expected, actual):
                fail(f"README.md:{line}: `{command}` printed\n" + "\n".join(actual[:40]) +
                     "\n--- the README shows ---\n" + "\n".join(expected))
            else:
                print(f"ok: README.md:{line}: {command.splitlines()[0]}")
        for s in servers:
            s.terminate()
            s.wait(timeout=30)
        servers.clear()
    if checked < 4:
        fail(f"only {checked} README commands ran; the examples were expected to be tested")
    # Files the README refers to exist.
    for path in re.findall(r"(?<![\w/.-])((?:examples|k8s|helm|plugins|bench|action)/[\w./-]+\.(?:yaml|json|md))",
                           "\n".join(readme)) + ["examples/cart.yaml", "examples/mailer-review.json",
                                                   "examples/review.json"]:
        if not os.path.exists(os.path.join(source, path)):
            fail(f"the README names {path}, which does not exist")
finally:
    for s in servers:
        s.kill()
    shutil.rmtree(work, ignore_errors=True)

print(f"{failures} check(s) failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
