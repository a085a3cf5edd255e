#!/usr/bin/env bash
# For users with Docker, kind, kubectl and helm: install the chart on a throwaway kind cluster, run
# `helm test`, delete the leader pod (the graceful path: preStop hands over) and check that the write
# Service follows. NOT run in our CI, which has no Docker engine: `make e2e` covers the image and the
# failovers there with podman and the embedded API server.
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER=${CLUSTER:-redis-lease-ha}
NAMESPACE=${NAMESPACE:-db}
RELEASE=redis-lease-ha
IMAGE=localhost/redis-lease-ha:dev

for cmd in docker kind kubectl helm; do
  command -v "$cmd" >/dev/null || { echo "error: $cmd is needed" >&2; exit 1; }
done

kind get clusters | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER"
docker build -t "$IMAGE" .
kind load docker-image "$IMAGE" --name "$CLUSTER"
helm upgrade --install "$RELEASE" ./chart --namespace "$NAMESPACE" --create-namespace \
  --set sidecar.image.repository=localhost/redis-lease-ha --set sidecar.image.tag=dev \
  --set sidecar.image.pullPolicy=Never --wait --timeout 5m
helm test "$RELEASE" --namespace "$NAMESPACE"

holder() { kubectl -n "$NAMESPACE" get lease "$RELEASE-leader" -o jsonpath='{.spec.holderIdentity}'; }
target() { kubectl -n "$NAMESPACE" get endpointslice "$RELEASE-write-leader" -o jsonpath='{.endpoints[0].targetRef.name}'; }
leader=$(holder)
echo "Leader: $leader (write endpoint -> $(target))"
start=$(date +%s%N)
kubectl -n "$NAMESPACE" delete pod "$leader" --wait=false
until now=$(target) && [ -n "$now" ] && [ "$now" != "$leader" ]; do sleep 0.1; done
echo "Write endpoint moved to $now after $(( ($(date +%s%N) - start) / 1000000 )) ms"
kubectl -n "$NAMESPACE" rollout status statefulset "$RELEASE" --timeout 5m
helm test "$RELEASE" --namespace "$NAMESPACE"
echo "Done. Remove the cluster with: kind delete cluster --name $CLUSTER"
