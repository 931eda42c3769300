#!/usr/bin/env bash
# Verifies a backup-redis.sh snapshot by loading it, and optionally installs it for a Redis
# server to load at its next start.
#
#   deploy/backup/restore-redis.sh backups/redis/redis-20261123T101502123Z.rdb
#       checksum, then a temporary redis-server on a free loopback port loads the file; every key
#       of the snapshot must be accounted for (loaded, or already past its TTL). The server
#       you run is never touched.
#   deploy/backup/restore-redis.sh SNAPSHOT --install /var/lib/redis [--dbfilename dump.rdb]
#       the same verification, then the file is copied to that directory (the previous file
#       kept as <name>.before-restore). Stop the server first and start it afterwards; with
#       appendonly yes the server loads its AOF instead, so turn it off for that start.
#
# With --keep-running the temporary server stays up and its port is printed (the drill uses it
# to compare values); stop it with `redis-cli -p PORT shutdown nosave`.
set -euo pipefail
# shellcheck source=deploy/backup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

snapshot=""
install_dir=""
dbfilename="dump.rdb"
keep_running=false
while [ $# -gt 0 ]; do
  case "$1" in
    --install) install_dir="${2:?--install needs a directory}"; shift 2 ;;
    --dbfilename) dbfilename="${2:?--dbfilename needs a value}"; shift 2 ;;
    --keep-running) keep_running=true; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) [ -z "$snapshot" ] || die "one snapshot at a time"; snapshot="$1"; shift ;;
  esac
done
[ -n "$snapshot" ] || die "which snapshot? (see --help)"
[ -f "$snapshot" ] || die "no such file: $snapshot"
need redis-cli redis-check-rdb sha256sum node

verify_checksum "$snapshot"
[ -f "$snapshot.manifest" ] || die "no manifest $snapshot.manifest"
expected="$(sed -n 's/^keys=//p' "$snapshot.manifest")"
redis-check-rdb "$snapshot" >/dev/null 2>&1 || die "$snapshot does not pass redis-check-rdb"

work="$(mktemp -d "${TMPDIR:-/tmp}/bastion-redis-restore.XXXXXX")"
port="$(free_port)"
stop_temp() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
$keep_running || trap stop_temp EXIT
cp "$snapshot" "$work/dump.rdb"
# redis-server and redis-check-rdb are one executable that acts on its name: with only the
# redis-tools package installed, a link named redis-server starts the server.
server="$(command -v redis-server || true)"
if [ -z "$server" ]; then
  ln -s "$(command -v redis-check-rdb)" "$work/redis-server"
  server="$work/redis-server"
fi
"$server" --bind 127.0.0.1 --port "$port" --dir "$work" --dbfilename dump.rdb --save "" --appendonly no \
  --daemonize yes --logfile "$work/redis.log" --pidfile "$work/redis.pid" --protected-mode yes >/dev/null
for _ in $(seq 1 100); do
  [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
  sleep 0.1
done
[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] || die "the temporary redis-server did not start: $(tail -5 "$work/redis.log")"

line="$(grep -E 'Done loading RDB, keys loaded: [0-9]+, keys expired: [0-9]+' "$work/redis.log" | tail -1 || true)"
if [ -n "$line" ]; then
  loaded="$(printf '%s' "$line" | sed -E 's/.*keys loaded: ([0-9]+).*/\1/')"
  expired="$(printf '%s' "$line" | sed -E 's/.*keys expired: ([0-9]+).*/\1/')"
  [ $((loaded + expired)) -eq "$expected" ] ||
    die "the snapshot had $expected keys but the server loaded $loaded (+ $expired past their TTL)"
  log "snapshot verified: $loaded keys loaded, $expired already past their TTL, of $expected"
else
  # Older servers do not log the counts: every key must be there except those that expired since.
  size="$(redis-cli -p "$port" dbsize)"
  [ "$size" -le "$expected" ] || die "the server holds $size keys, more than the $expected of the snapshot"
  log "snapshot loaded: $size keys now, $expected in the snapshot (the rest expired since)"
fi

if [ -n "$install_dir" ]; then
  [ -d "$install_dir" ] || die "no such directory: $install_dir"
  if [ -f "$install_dir/$dbfilename" ]; then
    mv "$install_dir/$dbfilename" "$install_dir/$dbfilename.before-restore"
    log "kept the previous file as $install_dir/$dbfilename.before-restore"
  fi
  cp "$snapshot" "$install_dir/$dbfilename"
  owner="$(stat -c %u:%g "$install_dir")"
  [ "$(id -u)" != 0 ] || chown "$owner" "$install_dir/$dbfilename"
  log "installed as $install_dir/$dbfilename: start the Redis server now (appendonly off for this start)"
fi

if $keep_running; then
  log "temporary server left running on 127.0.0.1:$port (dir $work)"
  printf '%s\n' "$port"
fi
