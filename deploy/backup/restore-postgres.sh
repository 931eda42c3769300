#!/usr/bin/env bash
# Restores a backup-postgres.sh dump into an EMPTY database and proves it complete.
#
#   RESTORE_DATABASE_URL=postgres://postgres@db.internal:5432/bastion_restored \
#     deploy/backup/restore-postgres.sh backups/postgres/bastion-20261123T101502123Z.dump
#
# Steps (it stops at the first that fails, exit code 1):
#   1. the checksum (.sha256) matches: a corrupt or altered file is never restored;
#   2. the target database exists and has no tables: it never overwrites data;
#   3. pg_restore in one transaction (all or nothing), without the dump's owners and grants,
#      so the objects belong to the role you connect as;
#   4. every table's row count equals the manifest's (the counts of the dump's snapshot);
#   5. the audit hash chain verifies (`npm run audit:verify`), when there is an audit_events table.
#
# Options: --skip-audit-verify (only where no checkout with node_modules is at hand; says so loudly).
# Then, before the application uses it: apply deploy/postgres/least-privilege.sql to the restored
# database (it hands every table to bastion_owner and grants bastion_app its rights), and point
# DATABASE_URL at it. Full procedure: docs/operations/backup-restore.md.
set -euo pipefail
# shellcheck source=deploy/backup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

dump=""
skip_audit=false
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-audit-verify) skip_audit=true; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) [ -z "$dump" ] || die "one dump at a time"; dump="$1"; shift ;;
  esac
done
[ -n "$dump" ] || die "which dump? (see --help)"
[ -f "$dump" ] || die "no such file: $dump"
url="${RESTORE_DATABASE_URL:?set RESTORE_DATABASE_URL to the empty database to restore into}"
need psql sha256sum awk diff
need "$PG_RESTORE"

# 1. Integrity.
verify_checksum "$dump"
[ -f "$dump.manifest" ] || die "no manifest $dump.manifest: cannot verify what the restore must contain"
"$PG_RESTORE" --list "$dump" >/dev/null || die "pg_restore cannot read $dump"
check_client_version "$url" "$PG_RESTORE"

# 2. An empty target.
target="$(psql "$url" -XAtc 'SELECT current_database()')" || die "cannot connect to the target database"
existing="$(psql "$url" -XAtc "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')")"
[ "$existing" = 0 ] || die "database $target is not empty ($existing relations): restore into a new, empty database"

# 3. Restore, all or nothing.
log "restoring $(basename "$dump") into $target"
started=$(date +%s)
"$PG_RESTORE" --dbname="$url" --no-owner --no-acl --exit-on-error --single-transaction --no-password "$dump"
log "pg_restore finished in $(($(date +%s) - started)) s"

# 4. Completeness: every table, every row.
expected="$(manifest_counts "$dump.manifest")"
actual="$(live_row_counts "$url")"
compare_counts "$expected" "$actual" "manifest vs $target" || die "the restored database does not match the backup"

# 5. The audit trail is intact.
if $skip_audit; then
  log "WARNING: audit chain NOT verified (--skip-audit-verify): run \`DATABASE_URL=... npm run audit:verify\` before using this database"
else
  audit_verify "$url" || die "audit:verify failed on the restored database"
fi

log "restore verified: $target holds $(basename "$dump") ($(grep '^rows=' "$dump.manifest" | cut -d= -f2) rows, latest migration $(grep '^latest_migration=' "$dump.manifest" | cut -d= -f2))"
log "next: apply deploy/postgres/least-privilege.sql to $target, then point DATABASE_URL at it"
