/**
 * Reading deploy/monitoring/ for test/monitoring.e2e-spec.ts: the Prometheus rules and their
 * promtool tests, the Grafana dashboards and provisioning, the metric names their PromQL uses,
 * and the metric families a /metrics scrape exports.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '..', '..');
export const MONITORING = 'deploy/monitoring';
export const RULES_FILE = `${MONITORING}/prometheus-rules.yaml`;
export const RULE_TESTS_DIR = `${MONITORING}/tests`;
export const DASHBOARDS_DIR = `${MONITORING}/grafana/dashboards`;
export const DATASOURCES_FILE = `${MONITORING}/grafana/provisioning/datasources/prometheus.yaml`;
export const DASHBOARD_PROVIDERS_FILE = `${MONITORING}/grafana/provisioning/dashboards/bastion.yaml`;

/** Series Prometheus makes itself rather than scraping them from the app. */
export const SYNTHETIC_METRICS = new Set([
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'ALERTS',
  'ALERTS_FOR_STATE',
]);

export const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
export const exists = (path: string): boolean => existsSync(join(ROOT, path));

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function loadRules(): Rule[] {
  const doc = parse(read(RULES_FILE)) as { groups: { name: string; rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

export interface AlertTestCase {
  eval_time: string;
  alertname: string;
  exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
}

export interface RuleTest {
  name?: string;
  interval?: string;
  input_series: { series: string; values: string }[];
  alert_rule_test?: AlertTestCase[];
  promql_expr_test?: { expr: string; eval_time: string }[];
}

export interface RuleTestFile {
  file: string;
  rule_files: string[];
  evaluation_interval?: string;
  tests: RuleTest[];
}

export function loadRuleTests(): RuleTestFile[] {
  return readdirSync(join(ROOT, RULE_TESTS_DIR))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: `${RULE_TESTS_DIR}/${f}`, ...(parse(read(`${RULE_TESTS_DIR}/${f}`)) as Omit<RuleTestFile, 'file'>) }));
}

/** A Prometheus duration (`90s`, `1h30m`, `2d20m`) in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, y: 365 * 86400e3 };
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a duration: ${text}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

/** How many samples promtool's expanding notation gives (`0+5x60` is 61, `1x3` is 4, `_x3` is 3, `7` is 1). */
export function sampleCount(values: string): number {
  return values
    .trim()
    .split(/\s+/)
    .reduce((count, token) => {
      const repeated = /^(.*)x(\d+)$/.exec(token);
      if (!repeated) return count + 1;
      return count + Number(repeated[2]) + (repeated[1] === '_' ? 0 : 1);
    }, 0);
}

// --- PromQL ------------------------------------------------------------------------------------

/** Words of PromQL's grammar that look like identifiers but name no series. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'atan2',
  'inf',
  'nan',
]);

/**
 * The metric (and recording rule) names a PromQL expression selects. A small tokenizer, not a
 * parser: strings, comments and Grafana variables go first, then label matchers (`{...}`), range
 * and subquery brackets (`[...]`) and grouping label lists (`by (...)`, `on (...)`, ...); what is
 * left that looks like an identifier, is not followed by `(` (a function or aggregation) and is
 * not a keyword, names series.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#[^\n]*/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/@\s*(?:start|end)\s*\(\s*\)/g, ' ');
  const names = new Set<string>();
  for (const [, number, identifier, call] of stripped.matchAll(
    /(\d*\.?\d+(?:e[+-]?\d+)?[a-z]*)|([a-z_:][a-z0-9_:]*)(\s*\()?/gi,
  )) {
    if (number !== undefined || call !== undefined || KEYWORDS.has(identifier.toLowerCase())) continue;
    names.add(identifier);
  }
  return [...names].sort();
}

/** The metric families of a Prometheus text exposition, from its `# HELP` and `# TYPE` lines: name → type. */
export function metricFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const [, kind, name, rest] of exposition.matchAll(/^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/gm)) {
    if (kind === 'TYPE') families.set(name, rest.trim());
    else if (!families.has(name)) families.set(name, 'untyped');
  }
  return families;
}

/** Whether `name` is a series of one of the families: the family itself, or a histogram's or summary's own series. */
export function isExported(name: string, families: Map<string, string>): boolean {
  if (families.has(name)) return true;
  const series = /^(.+)_(bucket|sum|count)$/.exec(name);
  if (!series) return false;
  const type = families.get(series[1]);
  return type === 'histogram' || (type === 'summary' && series[2] !== 'bucket');
}

// --- Grafana -----------------------------------------------------------------------------------

export interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

export interface Panel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

export interface Dashboard {
  uid?: string;
  title?: string;
  panels?: Panel[];
  templating?: { list?: { name?: string; type?: string; datasource?: { uid?: string }; query?: unknown }[] };
}

export interface DashboardFile {
  file: string;
  text: string;
}

export function dashboardFiles(): DashboardFile[] {
  return readdirSync(join(ROOT, DASHBOARDS_DIR))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: `${DASHBOARDS_DIR}/${f}`, text: read(`${DASHBOARDS_DIR}/${f}`) }));
}

/** Every panel, those inside collapsed rows included. */
export function panelsOf(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** The PromQL of a dashboard, each with where it is: panel targets and query variables (`label_values(metric, label)`). */
export function dashboardQueries(dashboard: Dashboard): { where: string; expr: string }[] {
  const queries: { where: string; expr: string }[] = [];
  for (const panel of panelsOf(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (typeof target.expr === 'string') queries.push({ where: `panel "${panel.title}"`, expr: target.expr });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : (variable.query as { query?: string } | undefined)?.query;
    if (!query) continue;
    const labelValues = /^label_values\((.*),\s*\w+\)$/.exec(query.trim());
    queries.push({ where: `variable $${variable.name}`, expr: labelValues ? labelValues[1] : query });
  }
  return queries;
}

/**
 * What is wrong with a dashboard's structure: a title and uid, panels each with a type, title and
 * a grid position inside the 24 columns without overlapping another, and (rows aside) the
 * provisioned datasource and at least one target, each with a non-empty expression.
 */
export function dashboardProblems(dashboard: Dashboard, datasourceUid: string): string[] {
  const problems: string[] = [];
  if (typeof dashboard.title !== 'string' || dashboard.title.trim() === '') problems.push('no title');
  if (typeof dashboard.uid !== 'string' || !/^[a-zA-Z0-9_-]{1,40}$/.test(dashboard.uid))
    problems.push(`bad uid ${dashboard.uid}`);
  const panels = panelsOf(dashboard);
  if (panels.length === 0) problems.push('no panels');
  const ids = new Set<number>();
  const placed: { name: string; x: number; y: number; w: number; h: number }[] = [];
  for (const panel of panels) {
    const name = `panel ${panel.id} "${panel.title}"`;
    if (typeof panel.id !== 'number' || ids.has(panel.id)) problems.push(`${name}: missing or duplicate id`);
    ids.add(panel.id as number);
    if (typeof panel.type !== 'string' || panel.type === '') problems.push(`${name}: no type`);
    if (typeof panel.title !== 'string' || panel.title.trim() === '') problems.push(`${name}: no title`);
    const g = panel.gridPos;
    if (!g || ![g.x, g.y, g.w, g.h].every((n) => Number.isInteger(n) && n >= 0) || g.w < 1 || g.h < 1 || g.x + g.w > 24) {
      problems.push(`${name}: bad gridPos ${JSON.stringify(g)}`);
    } else {
      const other = placed.find((o) => g.x < o.x + o.w && o.x < g.x + g.w && g.y < o.y + o.h && o.y < g.y + g.h);
      if (other) problems.push(`${name} overlaps ${other.name}`);
      placed.push({ name, ...g });
    }
    if (panel.type === 'row') continue;
    if (panel.datasource?.uid !== datasourceUid) problems.push(`${name}: datasource ${JSON.stringify(panel.datasource)}`);
    const targets = panel.targets ?? [];
    if (targets.length === 0) problems.push(`${name}: no targets`);
    const refIds = new Set<string>();
    for (const target of targets) {
      if (typeof target.expr !== 'string' || target.expr.trim() === '')
        problems.push(`${name}: target ${target.refId} has no expr`);
      if (!target.refId || refIds.has(target.refId)) problems.push(`${name}: missing or duplicate refId ${target.refId}`);
      refIds.add(target.refId ?? '');
      if (target.datasource && target.datasource.uid !== datasourceUid) {
        problems.push(`${name}: target ${target.refId} datasource ${JSON.stringify(target.datasource)}`);
      }
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type === 'query' && variable.datasource?.uid !== datasourceUid) {
      problems.push(`variable ${variable.name}: datasource ${JSON.stringify(variable.datasource)}`);
    }
  }
  return problems;
}

// --- Markdown ----------------------------------------------------------------------------------

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function anchorsOf(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}
