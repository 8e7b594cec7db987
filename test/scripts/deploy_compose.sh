#!/usr/bin/env bash
# docker-compose.yaml: `docker-compose config -q` (Debian docker-compose) accepts it, and its normalised
# form wires PostgreSQL, the one-shot certs service and TraceAssist as DEPLOY.md says. No container runs.
set -euo pipefail
source "$(dirname "$0")/../deploy/setup.sh"
command -v docker-compose >/dev/null || skip "docker-compose is not installed (Debian docker-compose; scripts/install-deps.sh --test)"
deploy_npm
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
: > "$tmp/empty.env"
cd "$SOURCE_DIR"
# Defaults only: a developer's own .env or shell variables must not change what is checked.
env -u POSTGRES_PASSWORD -u TRACEASSIST_ANALYTICS_KEY -u TRACEASSIST_API_TOKENS \
  docker-compose --env-file "$tmp/empty.env" -f docker-compose.yaml config -q
echo "ok docker-compose config -q"
env -u POSTGRES_PASSWORD docker-compose --env-file "$tmp/empty.env" -f docker-compose.yaml config > "$tmp/config.yaml"
node "$DEPLOY_DIR/check.mjs" compose "$tmp/config.yaml"
echo "deploy_compose: all checks passed"
