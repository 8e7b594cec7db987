#!/usr/bin/env python3
"""A small token issuer for the token-auth test registry (distribution's token spec), test-only.

GET /token?service=…&scope=repository:NAME:ACTIONS → {"token": JWT}. The JWT is RS256-signed (openssl dgst)
with signer.key; its header carries the signer certificate chain in `x5c`, which the registry verifies
against its rootcertbundle (the test CA). Anonymous callers get `pull` on every repository except
private/*; callers with the test user's basic credentials get what they ask for."""
import base64, http.server, json, os, secrets, ssl, subprocess, sys, time, urllib.parse

PORT, DIR, USER, PASSWORD = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der(pem_path):
    text = open(pem_path).read()
    body = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return "".join(body.split())  # x5c holds standard base64 DER


def token(access, service):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [der(os.path.join(DIR, "signer.crt"))]}
    now = int(time.time())
    claims = {"iss": "traceassist-test-issuer", "sub": "test", "aud": service, "exp": now + 300, "nbf": now - 10,
              "iat": now, "jti": secrets.token_hex(8), "access": access}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.path.join(DIR, "signer.key")],
                               input=signing_input.encode(), stdout=subprocess.PIPE, check=True).stdout
    return signing_input + "." + b64url(signature)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path != "/token":
            self.send_error(404)
            return
        query = urllib.parse.parse_qs(url.query)
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        authenticated = self.headers.get("Authorization") == expected
        if self.headers.get("Authorization") and not authenticated:
            self.send_error(401)
            return
        access = []
        for scope in query.get("scope", []):
            kind, name, actions = scope.split(":", 2) if scope.count(":") >= 2 else ("", "", "")
            wanted = actions.split(",")
            granted = wanted if authenticated else ([a for a in wanted if a == "pull"] if not name.startswith("private/") else [])
            access.append({"type": kind, "name": name, "actions": granted})
        body = json.dumps({"token": token(access, query.get("service", [""])[0])}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(DIR, "server.crt"), os.path.join(DIR, "server.key"))
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
