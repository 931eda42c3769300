#!/usr/bin/env bash
# Snapshot of Bastion's Redis (RDB), taken over the network like a replica does.
#
#   REDIS_URL=redis://:password@redis.internal:6379 deploy/backup/backup-redis.sh [--dir DIR] [--keep N]
#
# Writes, in DIR (default ./backups/redis, or BACKUP_DIR):
#   redis-<UTC timestamp>.rdb            the snapshot (`redis-cli --rdb`: works whatever the server's
#                                        own `save` settings, and whether or not it keeps anything on disk)
#   redis-<UTC timestamp>.rdb.sha256     its checksum
#   redis-<UTC timestamp>.rdb.manifest   keys in it, as counted by redis-check-rdb
# and deletes all but the newest N snapshots (default 14, or BACKUP_KEEP).
#
# Redis holds only counters with short lifetimes (request rates, failed logins); nothing
# durable lives there (lockouts, sessions and idempotency are in PostgreSQL). Losing it resets
# those counters; docs/operations/backup-restore.md says when restoring is worth it.
set -euo pipefail
# shellcheck source=deploy/backup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

dir="${BACKUP_DIR:-./backups/redis}"
keep="${BACKUP_KEEP:-14}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="${2:?--dir needs a value}"; shift 2 ;;
    --keep) keep="${2:?--keep needs a value}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
url="${REDIS_URL:?set REDIS_URL to the Redis to back up}"
[[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "--keep must be a positive integer, got '$keep'"
need redis-cli redis-check-rdb sha256sum

umask 077
mkdir -p "$dir"
name="redis-$(timestamp).rdb"
partial="$dir/.$name.partial"
trap 'rm -f "$partial"' EXIT

log "RDB snapshot of $(printf '%s' "$url" | sed -E 's#//[^@]*@#//***@#') to $dir/$name"
redis-cli -u "$url" --no-auth-warning --rdb "$partial" >/dev/null 2>&1 || die "redis-cli --rdb failed"
check="$(redis-check-rdb "$partial" 2>&1)" || die "the snapshot does not pass redis-check-rdb: $check"
keys="$(printf '%s\n' "$check" | sed -nE 's/.*\[info\] ([0-9]+) keys read.*/\1/p')"
expires="$(printf '%s\n' "$check" | sed -nE 's/.*\[info\] ([0-9]+) expires$/\1/p')"
[ -n "$keys" ] || die "could not read the key count from redis-check-rdb"

mv "$partial" "$dir/$name"
{
  echo "# Bastion Redis backup manifest"
  echo "file=$name"
  echo "created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "redis_version=$(redis-cli -u "$url" --no-auth-warning INFO server | tr -d '\r' | sed -n 's/^redis_version://p')"
  echo "keys=$keys"
  echo "keys_with_ttl=${expires:-0}"
} >"$dir/$name.manifest"
write_checksum "$dir/$name"
log "snapshot written: $dir/$name ($(du -h "$dir/$name" | cut -f1), $keys keys)"

prune "$dir" "redis-" ".rdb" "$keep"
printf '%s\n' "$dir/$name"
