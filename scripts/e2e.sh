#!/usr/bin/env bash
# make e2e: builds the images (scripts/e2e-images.sh), serves podman's Docker-compatible API on a
# private socket for Testcontainers, and runs the container end-to-end test. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
E2E_DIR=${E2E_DIR:-/var/tmp/redis-lease-ha-e2e}
export E2E_DIR CONTAINERS_CONF="$E2E_DIR/containers.conf"

bash scripts/e2e-images.sh

SOCK="$E2E_DIR/podman.sock"
rm -f "$SOCK"
podman system service --time=0 "unix://$SOCK" >"$E2E_DIR/podman-service.log" 2>&1 &
SERVICE=$!
trap 'kill $SERVICE 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { echo "error: podman system service did not create $SOCK" >&2; exit 1; }

export DOCKER_HOST="unix://$SOCK" TESTCONTAINERS_RYUK_DISABLED=true
${MVN:-mvn -B -ntp} -pl integration-tests test -Dtest='*E2E' -Dsurefire.failIfNoSpecifiedTests=false
report=$(ls -td integration-tests/target/e2e/run-*/ | head -1)report.md
echo "Report ($report):"
cat "$report"
