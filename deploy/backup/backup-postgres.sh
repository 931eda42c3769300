#!/usr/bin/env bash
# Logical backup of Bastion's PostgreSQL database.
#
#   DATABASE_URL=postgres://bastion_owner:...@db.internal:5432/bastion \
#     deploy/backup/backup-postgres.sh [--dir DIR] [--keep N]
#
# Writes, in DIR (default ./backups/postgres, or BACKUP_DIR):
#   bastion-<UTC timestamp>.dump           pg_dump custom format (compressed, restorable table by table)
#   bastion-<UTC timestamp>.dump.sha256    its checksum (`sha256sum -c` from DIR)
#   bastion-<UTC timestamp>.dump.manifest  what is in it: row count per table (read back from the dump
#                                          itself, so they describe pg_dump's snapshot exactly), tools,
#                                          server version, the newest migration
# and then deletes all but the newest N backups (default 14, or BACKUP_KEEP).
#
# pg_dump takes one consistent snapshot without stopping the application. Use a role that can
# read every table (the owner role, bastion_owner; tenant-owned rows through row-level security
# with app.all_tenants, see lib.sh). The dump holds password hashes, sealed MFA
# secrets and personal data: keep DIR private (the files are created 0600) and encrypt the
# copies you ship off the machine. Restore with restore-postgres.sh.
set -euo pipefail
# shellcheck source=deploy/backup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

dir="${BACKUP_DIR:-./backups/postgres}"
keep="${BACKUP_KEEP:-14}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="${2:?--dir needs a value}"; shift 2 ;;
    --keep) keep="${2:?--keep needs a value}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
url="${DATABASE_URL:?set DATABASE_URL to the database to back up}"
[[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "--keep must be a positive integer, got '$keep'"
need psql sha256sum awk
need "$PG_DUMP" "$PG_RESTORE"
check_client_version "$url" "$PG_DUMP"

umask 077
mkdir -p "$dir"
name="bastion-$(timestamp).dump"
partial="$dir/.$name.partial"
trap 'rm -f "$partial" "$partial.manifest"' EXIT

log "pg_dump of $(psql "$url" -XAtc 'SELECT current_database()') to $dir/$name"
started=$(date +%s)
# --enable-row-security: a role bound by the policies (the owner) dumps what they admit, which
# with app.all_tenants (lib.sh) is every row; without it pg_dump refuses such a table.
"$PG_DUMP" --format=custom --compress=6 --no-password --enable-row-security --file="$partial" "$url"
"$PG_RESTORE" --list "$partial" >/dev/null || die "pg_restore cannot read the new dump"

counts="$(dump_row_counts "$partial")"
{
  echo "# Bastion PostgreSQL backup manifest"
  echo "file=$name"
  echo "created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "database=$(psql "$url" -XAtc 'SELECT current_database()')"
  echo "server_version=$(psql "$url" -XAtc 'SHOW server_version')"
  echo "pg_dump_version=$("$PG_DUMP" --version)"
  echo "latest_migration=$(psql "$url" -XAtc "SELECT CASE WHEN to_regclass('public.migrations') IS NULL THEN '' ELSE (SELECT name FROM migrations ORDER BY id DESC LIMIT 1) END")"
  echo "tables=$(printf '%s\n' "$counts" | grep -c . || true)"
  echo "rows=$(printf '%s\n' "$counts" | awk -F'\t' '{s += $2} END {print s + 0}')"
  echo "# rows per table (table, a tab, rows):"
  printf '%s\n' "$counts"
} >"$partial.manifest"

mv "$partial" "$dir/$name"
mv "$partial.manifest" "$dir/$name.manifest"
write_checksum "$dir/$name"
log "backup written: $dir/$name ($(du -h "$dir/$name" | cut -f1), $(grep '^rows=' "$dir/$name.manifest" | cut -d= -f2) rows in $(grep '^tables=' "$dir/$name.manifest" | cut -d= -f2) tables, $(($(date +%s) - started)) s)"

prune "$dir" "bastion-" ".dump" "$keep"
printf '%s\n' "$dir/$name"
