#!/usr/bin/env bash
# Release on Kubernetes: render the topology for the image, apply the config, run the migration
# Job, then roll the Deployment and wait for it.
#
#   deploy/rollout/k8s-release.sh --instances 4 --image registry.example.com/bastion:<git-sha> \
#     [--namespace bastion] [--timeout 10m]
#
# Needs a checkout with `npm ci` (the generator), kubectl with access to the namespace, and the
# secrets `bastion-secrets` (one key per secret, mounted as files at /run/secrets/bastion; see
# docs/operations/secrets.md) and `bastion-migrate` (DATABASE_URL of the owner role,
# ADMIN_DATABASE_URL of an admin role) in it. Stops at the first failure:
#   - the migration Job failed: no pod was changed (the Job's logs are printed);
#   - the rollout did not complete: `kubectl rollout undo` is printed (docs/operations/rollout.md
#     says when to run it).
set -euo pipefail

instances=""
image=""
namespace="${NAMESPACE:-bastion}"
timeout="10m"
while [ $# -gt 0 ]; do
  case "$1" in
    --instances) instances="${2:?}"; shift 2 ;;
    --image) image="${2:?}"; shift 2 ;;
    --namespace) namespace="${2:?}"; shift 2 ;;
    --timeout) timeout="${2:?}"; shift 2 ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$instances" ] && [ -n "$image" ] || { echo "--instances and --image are required (see --help)" >&2; exit 2; }
command -v kubectl >/dev/null || { echo "kubectl is required" >&2; exit 2; }

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
k() { kubectl --namespace "$namespace" "$@"; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

log "rendering $instances instances for $image"
(cd "$root" && npm run --silent topology -- --instances "$instances" --image "$image" --out "$out" >/dev/null)
manifests="$out/instances-$instances/k8s"

log "previous revision: $(k rollout history deployment/bastion 2>/dev/null | tail -2 | head -1 || echo none)"
log "applying config (ConfigMaps, Service, PodDisruptionBudget, volume claims)"
k apply -f "$manifests/config.yaml"

job="$(k create -f "$manifests/migrate-job.yaml" -o name)"
log "migration: $job"
while :; do
  succeeded="$(k get "$job" -o jsonpath='{.status.succeeded}')"
  failed="$(k get "$job" -o jsonpath='{.status.failed}')"
  if [ "${succeeded:-0}" -ge 1 ]; then
    log "migration complete"
    break
  fi
  if [ "${failed:-0}" -ge 1 ]; then
    log "FAILED: the migration Job failed; no pod was changed"
    k logs "$job" --all-containers --prefix >&2 || true
    exit 1
  fi
  sleep 3
done

log "rolling the Deployment"
k apply -f "$manifests/deployment.yaml"
if ! k rollout status deployment/bastion --timeout="$timeout"; then
  log "FAILED: the rollout did not complete in $timeout"
  k get pods -l app.kubernetes.io/name=bastion -o wide >&2 || true
  log "rollback: kubectl --namespace $namespace rollout undo deployment/bastion && kubectl --namespace $namespace rollout status deployment/bastion"
  exit 1
fi
log "release complete: $(k get deployment/bastion -o jsonpath='{.status.readyReplicas}') ready replicas on $image"
