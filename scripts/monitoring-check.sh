#!/usr/bin/env bash
# `npm run monitoring:check` (and .ci/run, and the GitHub workflow): the Prometheus rules in
# deploy/monitoring/ are valid (`promtool check rules`) and behave as their unit tests say
# (`promtool test rules deploy/monitoring/tests/*.yaml`: input series, expected alerts), and every
# query of the Grafana dashboards is valid PromQL. (test/monitoring.e2e-spec.ts checks, without
# promtool, that the metrics they name exist and that the dashboards are well formed.)
#
# promtool comes from, in this order: $PROMTOOL; a `promtool` on the PATH; the repository's cache
# (.cache/promtool/bin/promtool, gitignored by the .cache/.gitignore this script writes); else it
# is fetched into that cache from Debian's (or Ubuntu's) `prometheus` package with
# `apt-get download` + `dpkg-deb -x`: nothing is installed system-wide, no service starts, and no
# root is needed while the machine has apt lists. Without lists, `apt-get update` runs first (with
# sudo when not root). If promtool still cannot be had, the check FAILS: it is not optional.
#
#   bash scripts/monitoring-check.sh                 obtain promtool, check and test the rules
#   bash scripts/monitoring-check.sh --print-path    only obtain promtool and print its path
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

CACHE_DIR="$REPO_ROOT/.cache/promtool"
CACHED="$CACHE_DIR/bin/promtool"
RULES="deploy/monitoring/prometheus-rules.yaml"
TESTS_DIR="deploy/monitoring/tests"
DASHBOARDS_DIR="deploy/monitoring/grafana/dashboards"

log() { echo "monitoring-check: $*" >&2; }

works() { [ -n "$1" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

# `apt-get download prometheus` into $1; fails when apt knows no such package (no lists yet).
download_deb() {
  (cd "$1" && apt-get download -qq prometheus >/dev/null 2>&1) && ls "$1"/prometheus_*.deb >/dev/null 2>&1
}

# Runs in a subshell, so that its temporary directory goes on any exit.
fetch_into_cache() (
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    log "promtool is not installed and apt-get/dpkg-deb are not available to fetch it"
    exit 1
  fi
  mkdir -p "$REPO_ROOT/.cache"
  [ -f "$REPO_ROOT/.cache/.gitignore" ] || printf '*\n' >"$REPO_ROOT/.cache/.gitignore"
  work="$(mktemp -d "$REPO_ROOT/.cache/promtool-fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  if ! download_deb "$work"; then
    log "apt-get download prometheus failed: refreshing the package lists (apt-get update)"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
        log "not root and no sudo: cannot run apt-get update"
        exit 1
      fi
    fi
    $sudo apt-get update -qq || { log "apt-get update failed"; exit 1; }
    download_deb "$work" || { log "apt-get download prometheus failed after apt-get update"; exit 1; }
  fi
  deb="$(ls "$work"/prometheus_*.deb | head -1)"
  log "extracting promtool from $(basename "$deb")"
  dpkg-deb -x "$deb" "$work/root"
  [ -x "$work/root/usr/bin/promtool" ] || { log "$(basename "$deb") holds no usr/bin/promtool"; exit 1; }
  mkdir -p "$CACHE_DIR/bin"
  cp "$work/root/usr/bin/promtool" "$CACHED.tmp"
  mv "$CACHED.tmp" "$CACHED"
  basename "$deb" >"$CACHE_DIR/SOURCE"
)

find_promtool() {
  if [ -n "${PROMTOOL:-}" ]; then
    works "$PROMTOOL" && { echo "$PROMTOOL"; return 0; }
    log "PROMTOOL=$PROMTOOL does not run"
    return 1
  fi
  local onpath
  onpath="$(command -v promtool || true)"
  if works "$onpath"; then echo "$onpath"; return 0; fi
  if works "$CACHED"; then echo "$CACHED"; return 0; fi
  log "promtool not found: fetching it from the distribution's prometheus package into .cache/promtool/"
  fetch_into_cache || return 1
  works "$CACHED" || { log "the fetched promtool does not run"; return 1; }
  echo "$CACHED"
}

if ! PROMTOOL_BIN="$(find_promtool)"; then
  log "FAILED: promtool could not be obtained (install Debian's 'prometheus' package, or set PROMTOOL=/path/to/promtool)"
  exit 1
fi

if [ "${1:-}" = "--print-path" ]; then
  echo "$PROMTOOL_BIN"
  exit 0
fi

log "using $PROMTOOL_BIN ($("$PROMTOOL_BIN" --version 2>&1 | head -1))"
shopt -s nullglob
tests=("$TESTS_DIR"/*.yaml)
if [ "${#tests[@]}" -eq 0 ]; then
  log "FAILED: no rule tests in $TESTS_DIR"
  exit 1
fi
"$PROMTOOL_BIN" check rules "$RULES"
"$PROMTOOL_BIN" test rules "${tests[@]}"

# The dashboards' PromQL parses: each panel target becomes a recording rule of a throw-away rules file (Grafana's
# $__rate_interval and $instance replaced by what they stand for) that promtool checks.
dashboard_rules="$(mktemp "${TMPDIR:-/tmp}/bastion-dashboard-queries.XXXXXX.yaml")"
trap 'rm -f "$dashboard_rules"' EXIT
node -e '
  const fs = require("fs");
  const dir = process.argv[1];
  const rules = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const dashboard = JSON.parse(fs.readFileSync(`${dir}/${file}`, "utf8"));
    const panels = (dashboard.panels || []).flatMap((p) => [p, ...(p.panels || [])]);
    for (const panel of panels) for (const target of panel.targets || []) {
      const expr = target.expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "5m").replace(/\$instance/g, ".*");
      rules.push({ record: `dashboard:query:${rules.length}`, expr });
    }
  }
  process.stdout.write(JSON.stringify({ groups: [{ name: "dashboard-queries", rules }] }, null, 1));
' "$DASHBOARDS_DIR" >"$dashboard_rules"
"$PROMTOOL_BIN" check rules "$dashboard_rules" >/dev/null || {
  "$PROMTOOL_BIN" check rules "$dashboard_rules" || true
  log "FAILED: a dashboard query does not parse (see above; the rule number counts the panels' targets in file order)"
  exit 1
}
log "rules valid, ${#tests[@]} rule test files pass, $(grep -c '"record"' "$dashboard_rules") dashboard queries parse"
