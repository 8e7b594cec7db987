"""docs/openapi.yaml against a live `traceassist serve`, with schemathesis (test/contract/requirements.txt).
Run by contract_schemathesis.sh with the binary and the schemathesis executable; exits 1 on any failure.

1. Every operation, over HTTP (the API and the probes) and HTTPS (/mutate): no 5xx, every response
   matches the schema (status code, content type, headers, body), examples capped per operation.
2. The check can fail: against a deliberately wrong copy of the schema (/health answers a status the
   copy does not allow, and a field the copy does not know) schemathesis must report failures.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from serve import Results, Server, make_certs  # noqa: E402

BIN, ST, SCHEMA = sys.argv[1], sys.argv[2], sys.argv[3]
MAX_EXAMPLES = int(os.environ.get("TRACEASSIST_CONTRACT_EXAMPLES", "60"))
R = Results()
WORK = tempfile.mkdtemp(prefix="contract-")
CA, CERT, KEY = make_certs(WORK)
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance," \
         "response_headers_conformance"


def schemathesis(schema, url, operations, extra=()):
    """Runs schemathesis; returns (exit code, examples run, output tail)."""
    cmd = [ST, "run", schema, "--url", url, "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES),
           "--seed", "19", "--no-color", "--workers", "1", "--phases", "examples,coverage,fuzzing"]
    for op in operations:
        cmd += ["--include-path", op]
    cmd += list(extra)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=WORK,
                         env=dict(os.environ, SCHEMATHESIS_HOOKS="", NO_COLOR="1"))
    text = out.stdout + out.stderr
    # "N test cases generated, N passed" (the summary line of schemathesis 4).
    m = re.search(r"(\d+) (?:generated|test cases? generated)", text)
    cases = int(m.group(1)) if m else -1
    return out.returncode, cases, text


def main():
    env = {"TRACEASSIST_LOG_LEVEL": "info", "TRACEASSIST_MAX_BODY_BYTES": str(1 << 20)}
    with Server(BIN, env=env, tls=(CERT, KEY)) as srv:
        runs = [("HTTP", f"http://127.0.0.1:{srv.port}", ["/workflow/instrument", "/health", "/ready"], []),
                ("HTTPS", f"https://127.0.0.1:{srv.tls_port}", ["/mutate"], ["--tls-verify", CA])]
        for name, url, ops, extra in runs:
            code, cases, text = schemathesis(SCHEMA, url, ops, extra)
            ok = code == 0 and cases > 0
            print("\n".join(line for line in text.splitlines()[-12:] if line.strip()), flush=True)
            R.check(f"schemathesis over {name} ({', '.join(ops)}): 0 failures", ok,
                    f"exit {code}, {cases} test cases" + ("" if ok else "\n" + text[-4000:]))
            R.result(f"schemathesis {name} {'+'.join(o.strip('/') for o in ops)}",
                     f"exit {code}, {cases} test cases, max {MAX_EXAMPLES} examples per operation",
                     "0 failures, no 5xx")
        # A mutated schema: /health may only answer {"status": "healthy"}. The server is right, the copy
        # is wrong: the same check must now fail.
        with open(SCHEMA) as f:
            text = f.read()
        wrong = text.replace("                    enum: [ok]\n", "                    enum: [healthy]\n", 1)
        R.check("the mutated schema differs from the real one", wrong != text)
        wrong_path = os.path.join(WORK, "openapi-wrong.yaml")
        with open(wrong_path, "w") as f:
            f.write(wrong)
        code, cases, out = schemathesis(wrong_path, f"http://127.0.0.1:{srv.port}", ["/health"])
        caught = code != 0 and ("response_schema_conformance" in out or "Response violates schema" in out
                                or "does not conform" in out or "not one of" in out)
        R.check("a deliberately wrong schema (/health status enum [healthy]): schemathesis fails", caught,
                f"exit {code}" + ("" if caught else "\n" + out[-3000:]))
        R.result("schemathesis vs a mutated schema", f"exit {code}, failure reported: {caught}", "fails")
        R.check("the server survived", srv.alive())
    print(f"failures: {R.failures}")
    sys.exit(1 if R.failures else 0)


main()
