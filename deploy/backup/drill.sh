#!/usr/bin/env bash
# The backup and restore drill (`npm run backup:drill`), run by CI against the real PostgreSQL and
# Redis: it does what docs/operations/backup-restore.md tells an operator to do, with the same
# scripts, and checks every result.
#
#   PostgreSQL  seed through the real app (users, logins, audit trail, workspace data, Redis
#               counters) and in bulk -> back up 3 times with --keep 2 -> drop the database ->
#               restore into an empty one -> every table's row count as before the drop, and
#               audit:verify; a corrupted dump and a non-empty target are refused; a tampered
#               audit row is caught.
#   Redis       seed keys -> snapshot -> delete them -> load the snapshot in a temporary
#               redis-server on another loopback port -> every key, value and TTL is back.
#   Embedded    db_files/postgres-style data directory -> cold backup -> delete -> restore ->
#               the same row counts.
#
# Servers: DRILL_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres
# (a role that may create databases); DRILL_REDIS_URL, else TEST_REDIS_URL, else redis://127.0.0.1:6379.
# It creates only databases named bastion_drill_*, Redis keys under bastion-drill-<run>:, and files
# in a temporary directory, and removes all of them on exit, pass or fail. It never drops a
# database it did not create, never flushes Redis, and never touches the Redis it was given
# beyond its own keys.
set -euo pipefail
# shellcheck source=deploy/backup/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
export PATH="$REPO_ROOT/node_modules/.bin:$PATH"
unset NODE_OPTIONS

SERVER_URL="${DRILL_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
REDIS="${DRILL_REDIS_URL:-${TEST_REDIS_URL:-redis://127.0.0.1:6379}}"
RUN="$(date -u +%H%M%S)$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
SOURCE_DB="bastion_drill_${RUN}"
RESTORED_DB="bastion_drill_${RUN}_restored"
CORRUPT_DB="bastion_drill_${RUN}_corrupt"
KEY_PREFIX="bastion-drill-${RUN}:"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/bastion-drill.XXXXXX")"
chmod 755 "$WORK"
export TMPDIR="$WORK/tmp"
mkdir -p "$TMPDIR"

CHECKS=0
APP_PID=""
REDIS_TEMP_PORT=""
EMBEDDED_DIR="$WORK/embedded/postgres"
CREATED_DBS=()

db_url() {
  local url="$SERVER_URL"
  printf '%s\n' "$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$url" "$1")"
}
create_db() {
  [[ "$1" == bastion_drill_* ]] || die "refusing to create $1: drill databases are named bastion_drill_*"
  psql "$SERVER_URL" -XqAtc "CREATE DATABASE \"$1\""
  CREATED_DBS+=("$1")
}
drop_db() {
  [[ "$1" == bastion_drill_* ]] || die "refusing to drop $1: the drill drops only the bastion_drill_* databases it created"
  psql "$SERVER_URL" -XqAtc "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
}
redis() { redis-cli -u "$REDIS" --no-auth-warning "$@"; }

cleanup() {
  local status=$?
  set +e
  [ -z "$APP_PID" ] || kill "$APP_PID" 2>/dev/null
  [ -z "$REDIS_TEMP_PORT" ] || redis-cli -p "$REDIS_TEMP_PORT" shutdown nosave >/dev/null 2>&1
  if [ -f "$EMBEDDED_DIR/postmaster.pid" ] && embedded_pg_running "$EMBEDDED_DIR"; then embedded_pg_stop "$EMBEDDED_DIR"; fi
  local db
  for db in "${CREATED_DBS[@]}"; do drop_db "$db" 2>/dev/null; done
  redis --scan --pattern "${KEY_PREFIX}*" 2>/dev/null | while IFS= read -r key; do redis DEL "$key" >/dev/null; done
  rm -rf "$WORK"
  if [ "$status" = 0 ]; then log "drill passed: $CHECKS checks, everything cleaned up"; else log "drill FAILED (exit $status); everything cleaned up"; fi
  exit "$status"
}
trap cleanup EXIT

check() {
  local what="$1"
  shift
  if "$@"; then
    CHECKS=$((CHECKS + 1))
    log "ok: $what"
  else
    die "check failed: $what"
  fi
}
refused() {
  local what="$1" pattern="$2" out
  shift 2
  if out="$("$@" 2>&1)"; then
    die "check failed: $what (the command succeeded)"
  fi
  grep -q -- "$pattern" <<<"$out" || die "check failed: $what (expected '$pattern' in: $out)"
  CHECKS=$((CHECKS + 1))
  log "ok: $what"
}
same() { [ "$1" = "$2" ] || { printf 'expected:\n%s\ngot:\n%s\n' "$1" "$2" >&2; return 1; }; }

need psql pg_dump pg_restore redis-cli redis-check-rdb curl sha256sum node tar gzip
log "drill $RUN: PostgreSQL $(psql "$SERVER_URL" -XAtc 'SHOW server_version'), Redis $(redis INFO server | tr -d '\r' | sed -n 's/^redis_version://p'), work dir $WORK"

# ---------------------------------------------------------------------------------------------
log "== PostgreSQL: seed"
create_db "$SOURCE_DB"
SOURCE_URL="$(db_url "$SOURCE_DB")"
DATABASE_URL="$SOURCE_URL" node -r ts-node/register/transpile-only src/platform/database/migrate.ts run >"$WORK/migrate.log"
check "migrations applied to $SOURCE_DB" grep -q 'migration(s) applied' "$WORK/migrate.log"

: >"$WORK/app.log"
env -i PATH="$PATH" HOME="${HOME:-/tmp}" APP_ENV=test LOG_LEVEL=info PORT=0 HOST=127.0.0.1 \
  DATABASE_URL="$SOURCE_URL" DB_MIGRATE_ON_START=false REDIS_URL="$REDIS" REDIS_KEY_PREFIX="$KEY_PREFIX" \
  JWT_SECRET="$(od -An -N48 -tx1 /dev/urandom | tr -d ' \n')" RATE_LIMIT_REGISTER=1000/1m RATE_LIMIT_TOKEN=1000/1m \
  node -r ts-node/register/transpile-only src/main.ts >"$WORK/app.log" 2>&1 &
APP_PID=$!
APP=""
for _ in $(seq 1 300); do
  APP="$(sed -nE 's/.*listening on (http:\/\/[0-9.]+:[0-9]+).*/\1/p' "$WORK/app.log" | head -1)"
  [ -n "$APP" ] && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/app.log" >&2; die "the app exited during start-up"; }
  sleep 0.2
done
[ -n "$APP" ] || die "the app did not start: $(tail -5 "$WORK/app.log")"
post() { curl -sS -o "$WORK/last.json" -w '%{http_code}' -X POST -H 'content-type: application/json' "$@"; }
PASSWORD='drill-passphrase-Kq7#backup-2026'
for i in 1 2 3 4 5; do
  email="drill${i}.${RUN}@example.com"
  [ "$(post -d "{\"email\":\"$email\",\"password\":\"$PASSWORD\"}" "$APP/api/v1/auth/register")" = 201 ] || die "register: $(cat "$WORK/last.json")"
  [ "$(post -d "{\"email\":\"$email\",\"password\":\"wrong-password-$i\"}" "$APP/api/v1/auth/token")" = 401 ] || die "failed login was not a 401"
  [ "$(post -d "{\"email\":\"$email\",\"password\":\"$PASSWORD\"}" "$APP/api/v1/auth/token")" = 200 ] || die "login: $(cat "$WORK/last.json")"
  token="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).access_token)' "$WORK/last.json")"
  auth=(-H "authorization: Bearer $token")
  [ "$(post "${auth[@]}" -H "idempotency-key: drill-$RUN-$i" -d "{\"name\":\"drill project $i\"}" "$APP/api/v1/projects")" = 201 ] || die "project: $(cat "$WORK/last.json")"
  [ "$(post "${auth[@]}" -d "{\"subject\":\"drill ticket $i\",\"body\":\"restore me\"}" "$APP/api/v1/support/tickets")" = 201 ] || die "ticket: $(cat "$WORK/last.json")"
  [ "$(post "${auth[@]}" -d "{\"title\":\"drill post $i\",\"body\":\"restore me too\"}" "$APP/api/v1/community/posts")" = 201 ] || die "post: $(cat "$WORK/last.json")"
  if [ "$i" = 5 ]; then [ "$(post "${auth[@]}" -d '{}' "$APP/api/v1/auth/logout")" = 204 ] || die "logout: $(cat "$WORK/last.json")"; fi
done
kill -TERM "$APP_PID"
wait "$APP_PID" || true
APP_PID=""
owner="$(psql "$SOURCE_URL" -XAtc 'SELECT id FROM users ORDER BY created_at LIMIT 1')"
psql "$SOURCE_URL" -XqAtc "INSERT INTO projects (name, description, owner_id, tenant_id)
  SELECT 'bulk project ' || g, repeat('x', 200), '$owner', (SELECT id FROM tenants WHERE personal_owner_id = '$owner')
  FROM generate_series(1, 500) g"
BEFORE="$(live_row_counts "$SOURCE_URL")"
check "seeded: users, sessions, workspace rows, idempotency keys" \
  test "$(psql "$SOURCE_URL" -XAtc "SELECT (SELECT count(*) FROM users) >= 5 AND (SELECT count(*) FROM user_sessions) >= 5
    AND (SELECT count(*) FROM projects) >= 505 AND (SELECT count(*) FROM idempotency_keys) >= 5")" = t
AUDITED=false
if has_audit_table "$SOURCE_URL"; then
  AUDITED=true
  check "the app wrote an audit trail to back up" test "$(psql "$SOURCE_URL" -XAtc 'SELECT count(*) > 0 FROM audit_events')" = t
fi

log "== PostgreSQL: back up (3 runs, --keep 2)"
PG_BACKUPS="$WORK/backups/postgres"
for _ in 1 2 3; do
  DATABASE_URL="$SOURCE_URL" deploy/backup/backup-postgres.sh --dir "$PG_BACKUPS" --keep 2 >"$WORK/backup.out"
done
DUMP="$(cat "$WORK/backup.out")"
check "retention kept the newest 2 dumps, each with checksum and manifest" \
  test "$(find "$PG_BACKUPS" -name 'bastion-*.dump' | wc -l)" = 2 -a -f "$DUMP.sha256" -a -f "$DUMP.manifest"
check "the newest dump is the one just written" test "$(find "$PG_BACKUPS" -name 'bastion-*.dump' | sort | tail -1)" = "$DUMP"
check "the dump files are private (0600)" test "$(stat -c %a "$DUMP")" = 600
check "the manifest counts every row of every table (read back from the dump)" same "$BEFORE" "$(manifest_counts "$DUMP.manifest")"

log "== PostgreSQL: drop, restore into an empty database, verify"
drop_db "$SOURCE_DB"
check "the source database is gone" test "$(psql "$SERVER_URL" -XAtc "SELECT count(*) FROM pg_database WHERE datname = '$SOURCE_DB'")" = 0
create_db "$RESTORED_DB"
RESTORED_URL="$(db_url "$RESTORED_DB")"
check "restore-postgres.sh restores and verifies (checksum, row counts, audit chain)" \
  env RESTORE_DATABASE_URL="$RESTORED_URL" deploy/backup/restore-postgres.sh "$DUMP"
check "every table has the row count it had before the drop" same "$BEFORE" "$(live_row_counts "$RESTORED_URL")"
check "the schema is at the same migration" test "$(psql "$RESTORED_URL" -XAtc 'SELECT name FROM migrations ORDER BY id DESC LIMIT 1')" = \
  "$(sed -n 's/^latest_migration=//p' "$DUMP.manifest")"
if $AUDITED; then
  check "audit:verify passes on the restored database" audit_verify "$RESTORED_URL"
fi

refused "a restore into a database that is not empty is refused" "is not empty" \
  env RESTORE_DATABASE_URL="$RESTORED_URL" deploy/backup/restore-postgres.sh "$DUMP"
mkdir -p "$WORK/corrupt"
cp "$DUMP" "$DUMP.sha256" "$DUMP.manifest" "$WORK/corrupt/"
CORRUPT="$WORK/corrupt/$(basename "$DUMP")"
printf '\x42\x42\x42\x42' | dd of="$CORRUPT" bs=1 seek=$(($(stat -c %s "$CORRUPT") / 2)) conv=notrunc status=none
create_db "$CORRUPT_DB"
refused "a corrupted dump is refused before anything is restored" "checksum mismatch" \
  env RESTORE_DATABASE_URL="$(db_url "$CORRUPT_DB")" deploy/backup/restore-postgres.sh "$CORRUPT"
check "... and the target stays empty" test "$(psql "$(db_url "$CORRUPT_DB")" -XAtc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0
if $AUDITED; then
  psql "$RESTORED_URL" -XqAtc "UPDATE audit_events SET outcome = CASE outcome WHEN 'success' THEN 'failure' ELSE 'success' END
    WHERE seq = (SELECT min(seq) FROM audit_events)"
  refused "a tampered audit row fails audit:verify (the drill's audit check has teeth)" "FAILED" audit_verify "$RESTORED_URL"
fi

# ---------------------------------------------------------------------------------------------
log "== Redis: seed, snapshot, delete, restore into a temporary server"
for i in $(seq 1 50); do redis SET "${KEY_PREFIX}counter:$i" "$i" EX 3600 >/dev/null; done
redis HSET "${KEY_PREFIX}hash" a 1 b 2 >/dev/null
redis SET "${KEY_PREFIX}persistent" kept >/dev/null
APP_KEYS="$(redis --scan --pattern "${KEY_PREFIX}*" | grep -cv "${KEY_PREFIX}counter:\|${KEY_PREFIX}hash\|${KEY_PREFIX}persistent" || true)"
check "the app's rate-limit counters are in Redis too ($APP_KEYS keys)" test "$APP_KEYS" -gt 0
# The keys a restore must bring back: all but those due to expire within 10 minutes (the app's
# one-minute rate windows may legitimately be gone by then).
SEEDED="$(redis --scan --pattern "${KEY_PREFIX}*" | sort | while IFS= read -r key; do
  ttl="$(redis TTL "$key")"
  if [ "$ttl" = -1 ] || [ "$ttl" -gt 600 ]; then printf '%s\n' "$key"; fi
done)"
check "the snapshot will be checked against $(printf '%s\n' "$SEEDED" | grep -c .) keys, some of the app's among them" \
  test "$(printf '%s\n' "$SEEDED" | grep -vc "${KEY_PREFIX}counter:\|${KEY_PREFIX}hash\|${KEY_PREFIX}persistent")" -gt 0
REDIS_BACKUPS="$WORK/backups/redis"
for _ in 1 2; do REDIS_URL="$REDIS" deploy/backup/backup-redis.sh --dir "$REDIS_BACKUPS" --keep 1 >"$WORK/redis-backup.out"; done
RDB="$(cat "$WORK/redis-backup.out")"
check "retention kept the newest snapshot only" test "$(find "$REDIS_BACKUPS" -name 'redis-*.rdb' | wc -l)" = 1 -a -f "$RDB.sha256"
redis --scan --pattern "${KEY_PREFIX}*" | while IFS= read -r key; do redis DEL "$key" >/dev/null; done
check "the drill's keys are gone from the live Redis" test "$(redis --scan --pattern "${KEY_PREFIX}*" | wc -l)" = 0
REDIS_TEMP_PORT="$(deploy/backup/restore-redis.sh "$RDB" --keep-running)"
check "every drill key is back in the restored snapshot" same "$SEEDED" \
  "$(redis-cli -p "$REDIS_TEMP_PORT" --scan --pattern "${KEY_PREFIX}*" | sort | grep -Fx -f <(printf '%s\n' "$SEEDED"))"
check "values are intact" test "$(redis-cli -p "$REDIS_TEMP_PORT" GET "${KEY_PREFIX}counter:42")" = 42 -a \
  "$(redis-cli -p "$REDIS_TEMP_PORT" HGET "${KEY_PREFIX}hash" b)" = 2 -a "$(redis-cli -p "$REDIS_TEMP_PORT" GET "${KEY_PREFIX}persistent")" = kept
check "TTLs survive (counters still expire; the persistent key does not)" test \
  "$(redis-cli -p "$REDIS_TEMP_PORT" TTL "${KEY_PREFIX}counter:1")" -gt 0 -a "$(redis-cli -p "$REDIS_TEMP_PORT" TTL "${KEY_PREFIX}persistent")" = -1
redis-cli -p "$REDIS_TEMP_PORT" shutdown nosave >/dev/null 2>&1 || true
REDIS_TEMP_PORT=""
cp "$RDB" "$RDB.sha256" "$RDB.manifest" "$WORK/corrupt/"
printf '\x00\x00' | dd of="$WORK/corrupt/$(basename "$RDB")" bs=1 seek=20 conv=notrunc status=none
refused "a corrupted snapshot is refused" "checksum mismatch" deploy/backup/restore-redis.sh "$WORK/corrupt/$(basename "$RDB")"

# ---------------------------------------------------------------------------------------------
log "== Embedded PostgreSQL (db_files/postgres): seed, cold backup, delete, restore"
mkdir -p "$(dirname "$EMBEDDED_DIR")"
chmod 755 "$(dirname "$EMBEDDED_DIR")"
env -u DATABASE_URL APP_ENV=development EMBEDDED_PG_DIR="$EMBEDDED_DIR" \
  node -r ts-node/register/transpile-only src/platform/database/migrate.ts run >"$WORK/embedded-migrate.log"
check "the embedded cluster was created and migrated (and stopped again)" grep -q 'migration(s) applied' "$WORK/embedded-migrate.log"
port="$(embedded_pg_start "$EMBEDDED_DIR")"
EMBEDDED_URL="$(embedded_pg_url "$port")"
psql "$EMBEDDED_URL" -XqAtc "INSERT INTO users (email, password_hash) SELECT 'embedded' || g || '@example.com', 'x' FROM generate_series(1, 40) g;
  INSERT INTO tenants (slug, name, personal_owner_id) SELECT 'u-' || replace(id::text, '-', ''), 'Personal', id FROM users;
  INSERT INTO projects (name, owner_id, tenant_id) SELECT 'embedded project ' || g, t.personal_owner_id, t.id
    FROM (SELECT id, personal_owner_id FROM tenants ORDER BY slug LIMIT 1) t, generate_series(1, 120) g"
EMBEDDED_BEFORE="$(live_row_counts "$EMBEDDED_URL")"
embedded_pg_stop "$EMBEDDED_DIR"
refused_running() { port="$(embedded_pg_start "$EMBEDDED_DIR")"; local rc=0; deploy/backup/backup-embedded.sh --data-dir "$EMBEDDED_DIR" --dir "$WORK/backups/embedded" >/dev/null 2>&1 || rc=$?; embedded_pg_stop "$EMBEDDED_DIR"; [ "$rc" != 0 ]; }
check "a backup of a running cluster is refused (cold copies only)" refused_running
ARCHIVE="$(deploy/backup/backup-embedded.sh --data-dir "$EMBEDDED_DIR" --dir "$WORK/backups/embedded" --keep 2)"
check "the archive's manifest, made from a trial restore, has every row" same "$EMBEDDED_BEFORE" "$(manifest_counts "$ARCHIVE.manifest")"
rm -rf "$EMBEDDED_DIR"
check "restore-embedded.sh restores and verifies" deploy/backup/restore-embedded.sh "$ARCHIVE" --data-dir "$EMBEDDED_DIR"
port="$(embedded_pg_start "$EMBEDDED_DIR")"
check "every table has the row count it had before the delete" same "$EMBEDDED_BEFORE" "$(live_row_counts "$(embedded_pg_url "$port")")"
embedded_pg_stop "$EMBEDDED_DIR"
refused "a restore over an existing data directory is refused" "is not empty" \
  deploy/backup/restore-embedded.sh "$ARCHIVE" --data-dir "$EMBEDDED_DIR"
