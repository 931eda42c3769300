#!/usr/bin/env bash
# Backup of the embedded PostgreSQL's data directory (db_files/postgres), used when the app runs
# without DATABASE_URL (development only). A cold, file-level copy: stop the app first.
#
#   deploy/backup/backup-embedded.sh [--data-dir db_files/postgres] [--dir DIR] [--keep N]
#
# Writes, in DIR (default ./backups/embedded, or BACKUP_DIR):
#   embedded-<UTC timestamp>.tar.gz            the data directory
#   embedded-<UTC timestamp>.tar.gz.sha256     its checksum
#   embedded-<UTC timestamp>.tar.gz.manifest   PostgreSQL version and the row count of every table
# The counts come from the backup itself: it is unpacked to a temporary directory and started
# there on a free loopback port (with the embedded binaries), so every backup is proven
# restorable when it is made. The original directory is only read.
#
# (The embedded cluster is PostgreSQL 18; a pg_dump older than the server cannot dump it, which is
# why this is a file copy. With PostgreSQL 18 client tools, backup-postgres.sh works on it too,
# using the URL the app logs at start.)
set -euo pipefail
# shellcheck source=deploy/backup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

data_dir="${EMBEDDED_PG_DIR:-db_files/postgres}"
dir="${BACKUP_DIR:-./backups/embedded}"
keep="${BACKUP_KEEP:-14}"
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) data_dir="${2:?--data-dir needs a value}"; shift 2 ;;
    --dir) dir="${2:?--dir needs a value}"; shift 2 ;;
    --keep) keep="${2:?--keep needs a value}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "--keep must be a positive integer, got '$keep'"
need tar gzip sha256sum psql node
[ -f "$data_dir/PG_VERSION" ] || die "$data_dir is not a PostgreSQL data directory"
! embedded_pg_running "$data_dir" || die "a PostgreSQL server is running on $data_dir: stop the app (and the cluster) first"

umask 077
mkdir -p "$dir"
name="embedded-$(timestamp).tar.gz"
partial="$dir/.$name.partial"
check="$(mktemp -d "${TMPDIR:-/tmp}/bastion-embedded-check.XXXXXX")"
port=""
cleanup() {
  [ -z "$port" ] || embedded_pg_stop "$check/postgres" || true
  rm -rf "$check" "$partial"
}
trap cleanup EXIT

log "archiving $data_dir to $dir/$name"
tar -C "$(dirname "$data_dir")" --numeric-owner -czf "$partial" "$(basename "$data_dir")"

# Prove it restorable, and count what it holds.
chmod 755 "$check"
tar -C "$check" --numeric-owner -xzf "$partial"
[ "$(basename "$data_dir")" = postgres ] || mv "$check/$(basename "$data_dir")" "$check/postgres"
port="$(embedded_pg_start "$check/postgres")"
url="$(embedded_pg_url "$port")"
counts="$(live_row_counts "$url")"
{
  echo "# Bastion embedded PostgreSQL backup manifest"
  echo "file=$name"
  echo "created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "source=$(cd "$data_dir" && pwd)"
  echo "pg_version=$(cat "$data_dir/PG_VERSION")"
  echo "server_version=$(psql "$url" -XAtc 'SHOW server_version')"
  echo "tables=$(printf '%s\n' "$counts" | grep -c . || true)"
  echo "rows=$(printf '%s\n' "$counts" | awk -F'\t' '{s += $2} END {print s + 0}')"
  echo "# rows per table of database bastion (table, a tab, rows):"
  printf '%s\n' "$counts"
} >"$partial.manifest"
embedded_pg_stop "$check/postgres"
port=""

mv "$partial" "$dir/$name"
mv "$partial.manifest" "$dir/$name.manifest"
write_checksum "$dir/$name"
log "backup written and proven restorable: $dir/$name ($(du -h "$dir/$name" | cut -f1), $(sed -n 's/^rows=//p' "$dir/$name.manifest") rows)"

prune "$dir" "embedded-" ".tar.gz" "$keep"
printf '%s\n' "$dir/$name"
