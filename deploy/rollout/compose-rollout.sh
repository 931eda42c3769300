#!/usr/bin/env bash
# Rolling release (or rollback) of a compose topology, one instance at a time.
#
#   deploy/rollout/compose-rollout.sh --dir deploy/topology/generated/instances-4 \
#     --image registry.example.com/bastion:<git-sha> [--project bastion] [--skip-migrations] [--timeout 120]
#
# With BASTION_SECRETS_DIR set (deploy/topology/make-secrets.sh). Steps:
#   1. pull the image; note the image the instances run now (printed, and saved in
#      <dir>/.previous-image) so that the rollback command is at hand;
#   2. unless --skip-migrations: db-roles, migrate, db-grants (the release step), stopping at the first failure;
#   3. for each app-N: recreate it on the new image and wait until its healthcheck (/health/ready) is
#      healthy; stop at the first instance that is not healthy within --timeout seconds, leaving the
#      others on the old image, and print the rollback command.
# Rollback is the same script with the previous image and --skip-migrations (docs/operations/rollout.md).
set -euo pipefail

dir=""
image=""
project="bastion"
skip_migrations=false
timeout=120
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="${2:?}"; shift 2 ;;
    --image) image="${2:?}"; shift 2 ;;
    --project) project="${2:?}"; shift 2 ;;
    --skip-migrations) skip_migrations=true; shift ;;
    --timeout) timeout="${2:?}"; shift 2 ;;
    -h | --help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$dir" ] && [ -f "$dir/compose.yaml" ] || { echo "--dir must hold a generated compose.yaml" >&2; exit 2; }
[ -n "$image" ] || { echo "--image is required" >&2; exit 2; }
: "${BASTION_SECRETS_DIR:?set BASTION_SECRETS_DIR}"
command -v docker >/dev/null || { echo "docker is required" >&2; exit 2; }

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
compose() { (cd "$dir" && BASTION_IMAGE="$image" docker compose -p "$project" "$@"); }

apps="$(compose config --services | grep -E '^app-[0-9]+$' | sort -t- -k2 -n)"
first="$(printf '%s\n' "$apps" | head -1)"
previous="$(docker inspect --format '{{.Config.Image}}' "$(compose ps -q "$first" 2>/dev/null | head -1)" 2>/dev/null || true)"
if [ -n "$previous" ]; then
  printf '%s\n' "$previous" >"$dir/.previous-image"
  log "instances run $previous now; rollback: $0 --dir $dir --image $previous --skip-migrations"
fi

log "pulling $image"
compose pull --quiet $apps migrate

if ! $skip_migrations; then
  for job in db-roles migrate db-grants; do
    log "release step: $job"
    compose run --rm --no-deps "$job" || { log "FAILED: $job; no instance was changed"; exit 1; }
  done
fi

health() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null || echo missing; }

for app in $apps; do
  log "recreating $app on $image"
  compose up -d --no-deps --force-recreate "$app"
  container="$(compose ps -q "$app")"
  deadline=$(($(date +%s) + timeout))
  while :; do
    state="$(health "$container")"
    [ "$state" = healthy ] && break
    if [ "$(date +%s)" -ge "$deadline" ] || [ "$state" = unhealthy ]; then
      log "FAILED: $app is $state after ${timeout}s; the instances after it still run the old image"
      docker logs --tail 30 "$container" >&2 || true
      [ -z "$previous" ] || log "rollback: $0 --dir $dir --image $previous --skip-migrations"
      exit 1
    fi
    sleep 2
  done
  log "$app healthy"
done
log "release complete: $(printf '%s\n' "$apps" | wc -l) instances on $image"
