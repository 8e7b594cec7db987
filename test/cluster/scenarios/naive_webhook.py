#!/usr/bin/env python3
"""A deliberately naive mutating webhook for the controllers scenario's negative control.

It stamps an annotation onto the pod template of every ReplicaSet it is sent, including the ones a
Deployment's controller creates: the ReplicaSet then no longer matches its Deployment's template, so
the controller makes another one, and so on. TraceAssist must not behave like this.

Usage: naive_webhook.py CERT KEY PORT_FILE   (serves HTTPS on 127.0.0.1, a free port written to PORT_FILE)
"""
import base64
import http.server
import json
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        request = review["request"]
        response = {"uid": request["uid"], "allowed": True}
        obj = request.get("object") or {}
        if obj.get("kind") == "ReplicaSet":
            meta = obj.get("spec", {}).get("template", {}).get("metadata") or {}
            if "annotations" in meta:
                patch = [{"op": "add", "path": "/spec/template/metadata/annotations/naive.test~1stamped",
                          "value": "true"}]
            else:
                patch = [{"op": "add", "path": "/spec/template/metadata/annotations",
                          "value": {"naive.test/stamped": "true"}}]
            response["patchType"] = "JSONPatch"
            response["patch"] = base64.b64encode(json.dumps(patch).encode()).decode()
        body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                           "response": response}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    cert, key, port_file = sys.argv[1:4]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(port_file, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
