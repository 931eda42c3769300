#!/usr/bin/env bash
# Restores a backup-embedded.sh archive as the embedded PostgreSQL's data directory.
#
#   deploy/backup/restore-embedded.sh backups/embedded/embedded-20261123T101502123Z.tar.gz \
#     [--data-dir db_files/postgres] [--skip-audit-verify]
#
# The target directory must not exist or be empty (move the old one aside first: the script
# never deletes a data directory). Steps: checksum; unpack; start it on a free loopback port;
# every table's row count must equal the manifest's; the audit chain must verify
# (`npm run audit:verify`); stop it. Then start the app as usual: it finds the restored cluster.
set -euo pipefail
# shellcheck source=deploy/backup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

archive=""
data_dir="${EMBEDDED_PG_DIR:-db_files/postgres}"
skip_audit=false
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) data_dir="${2:?--data-dir needs a value}"; shift 2 ;;
    --skip-audit-verify) skip_audit=true; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) [ -z "$archive" ] || die "one archive at a time"; archive="$1"; shift ;;
  esac
done
[ -n "$archive" ] || die "which archive? (see --help)"
[ -f "$archive" ] || die "no such file: $archive"
need tar gzip sha256sum psql node diff

verify_checksum "$archive"
[ -f "$archive.manifest" ] || die "no manifest $archive.manifest"
if [ -e "$data_dir" ] && [ -n "$(ls -A "$data_dir" 2>/dev/null)" ]; then
  die "$data_dir exists and is not empty: move it aside (mv $data_dir $data_dir.old) and run again"
fi

parent="$(dirname "$data_dir")"
mkdir -p "$parent"
unpack="$(mktemp -d "$parent/.restore.XXXXXX")"
port=""
cleanup() {
  [ -z "$port" ] || embedded_pg_stop "$data_dir" || true
  rm -rf "$unpack"
}
trap cleanup EXIT
chmod 755 "$unpack"
tar -C "$unpack" --numeric-owner -xzf "$archive"
source_name="$(ls "$unpack")"
[ -f "$unpack/$source_name/PG_VERSION" ] || die "the archive does not hold a data directory"
rmdir "$data_dir" 2>/dev/null || true
mv "$unpack/$source_name" "$data_dir"
log "unpacked into $data_dir (PostgreSQL $(cat "$data_dir/PG_VERSION"))"

port="$(embedded_pg_start "$data_dir")"
url="$(embedded_pg_url "$port")"
compare_counts "$(manifest_counts "$archive.manifest")" "$(live_row_counts "$url")" "manifest vs $data_dir" ||
  die "the restored data directory does not match the backup"
if $skip_audit; then
  log "WARNING: audit chain NOT verified (--skip-audit-verify)"
else
  audit_verify "$url" || die "audit:verify failed on the restored cluster"
fi
embedded_pg_stop "$data_dir"
port=""
log "restore verified: $data_dir is ready; start the app (npm start) to use it"
