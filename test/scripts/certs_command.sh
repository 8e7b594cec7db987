#!/usr/bin/env bash
# `traceassist certs`: files, modes, SANs, chain verification with openssl, and the printed caBundle.
set -euo pipefail
bin=${1:?usage: certs_command.sh <traceassist binary>}
command -v openssl >/dev/null || { echo "SKIP: openssl command not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" certs --service traceassist --namespace observability --out "$tmp/out" --days 30 >"$tmp/bundle" 2>"$tmp/err" ||
  fail "certs exited $? ($(cat "$tmp/err"))"
for f in ca.crt tls.crt tls.key; do [[ -s $tmp/out/$f ]] || fail "$f missing"; done
[[ $(stat -c %a "$tmp/out/tls.key") == 600 ]] || fail "tls.key mode $(stat -c %a "$tmp/out/tls.key")"
openssl verify -CAfile "$tmp/out/ca.crt" -purpose sslserver "$tmp/out/tls.crt" >/dev/null || fail "chain does not verify"
openssl verify -CAfile "$tmp/out/ca.crt" -verify_hostname traceassist.observability.svc "$tmp/out/tls.crt" >/dev/null ||
  fail "no SAN for traceassist.observability.svc"
san=$(openssl x509 -in "$tmp/out/tls.crt" -noout -ext subjectAltName)
for name in traceassist traceassist.observability traceassist.observability.svc \
            traceassist.observability.svc.cluster.local localhost; do
  grep -q "DNS:$name\(,\|$\)" <<<"$san" || fail "SAN $name missing: $san"
done
# The key matches the certificate.
[[ $(openssl pkey -in "$tmp/out/tls.key" -pubout) == $(openssl x509 -in "$tmp/out/tls.crt" -noout -pubkey) ]] ||
  fail "key does not match certificate"
# stdout is exactly the base64 CA bundle.
[[ $(wc -l <"$tmp/bundle") == 1 ]] || fail "stdout is not one line"
base64 -d "$tmp/bundle" | cmp -s - "$tmp/out/ca.crt" || fail "caBundle is not base64(ca.crt)"

"$bin" certs --service traceassist --namespace observability --out "$tmp/rsa" --rsa >/dev/null 2>&1 || fail "--rsa failed"
openssl x509 -in "$tmp/rsa/tls.crt" -noout -text | grep -q "rsaEncryption" || fail "--rsa did not make an RSA key"

set +e
"$bin" certs --service Not_A_Label --namespace observability --out "$tmp/bad" >/dev/null 2>&1; rc=$?
set -e
[[ $rc == 2 ]] || fail "invalid service name exited $rc, want 2"
[[ ! -e $tmp/bad ]] || fail "files written for an invalid request"
# Neither --out nor --secret; --secret outside a pod without --kube-api: usage errors that say so.
set +e
"$bin" certs --service traceassist --namespace observability >/dev/null 2>"$tmp/err"; rc=$?
[[ $rc == 2 ]] && grep -q -- "--out DIR or --secret NAME" "$tmp/err" || fail "no --out/--secret: exit $rc, $(cat "$tmp/err")"
env -u KUBERNETES_SERVICE_HOST "$bin" certs --service traceassist --namespace observability --secret tls >/dev/null 2>"$tmp/err"; rc=$?
[[ $rc == 2 ]] && grep -q "KUBERNETES_SERVICE_HOST/PORT are not set" "$tmp/err" || fail "--secret outside a pod: exit $rc, $(cat "$tmp/err")"
set -e
echo "certs command: OK"
