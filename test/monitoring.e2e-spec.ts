/**
 * deploy/monitoring/: the Prometheus rules, their promtool tests and the Grafana dashboards stay
 * consistent with each other, with the runbooks, with the SLOs, and with the metrics the real app
 * exports on /metrics. (promtool itself runs in `npm run monitoring:check`, not here: jest does
 * not need it.)
 */
import { parse } from 'yaml';
import { createTestApp, type TestApp } from './support/app';
import {
  anchorsOf,
  DASHBOARD_PROVIDERS_FILE,
  type Dashboard,
  dashboardFiles,
  dashboardProblems,
  dashboardQueries,
  DATASOURCES_FILE,
  durationMs,
  exists,
  isExported,
  loadRules,
  loadRuleTests,
  metricFamilies,
  metricNamesIn,
  panelsOf,
  read,
  RULES_FILE,
  sampleCount,
  SYNTHETIC_METRICS,
} from './support/monitoring';

const METRICS_TOKEN = 'monitoring-e2e-metrics-token-3f9a1c0b7d5e';

const rules = loadRules();
const alerts = rules.filter((r) => r.alert !== undefined);
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
const ruleTests = loadRuleTests();
const dashboards = dashboardFiles().map(({ file, text }) => ({ file, text }));
const parseDashboard = (text: string): Dashboard => JSON.parse(text) as Dashboard;

interface DatasourceProvisioning {
  apiVersion: number;
  datasources: { name: string; uid: string; type: string; url: string; isDefault?: boolean }[];
}
interface DashboardProvisioning {
  apiVersion: number;
  providers: { name: string; type: string; options: { path: string } }[];
}
const datasources = parse(read(DATASOURCES_FILE)) as DatasourceProvisioning;
const providers = parse(read(DASHBOARD_PROVIDERS_FILE)) as DashboardProvisioning;
const datasourceUid = datasources.datasources[0]?.uid;

/** Every name the rules and dashboards select, with where each is used. */
function namesInUse(): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  const add = (name: string, where: string) => used.set(name, (used.get(name) ?? new Set()).add(where));
  for (const rule of rules) {
    for (const name of metricNamesIn(rule.expr)) add(name, `${RULES_FILE} ${rule.alert ?? rule.record}`);
  }
  for (const { file, text } of dashboards) {
    for (const { where, expr } of dashboardQueries(parseDashboard(text))) {
      for (const name of metricNamesIn(expr)) add(name, `${file} ${where}`);
    }
  }
  return used;
}

describe('monitoring (deploy/monitoring)', () => {
  describe('the PromQL tokenizer that finds metric names', () => {
    it.each([
      ['sum(rate(http_requests_total{route!~"/health/.*|/metrics",status=~"5.."}[5m]))', ['http_requests_total']],
      [
        'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{route="/api/v1/auth/token"}[$__rate_interval])))',
        ['http_request_duration_seconds_bucket'],
      ],
      ['bastion:errors:rate5m / clamp_min(bastion:requests:rate5m, 1e-9)', ['bastion:errors:rate5m', 'bastion:requests:rate5m']],
      ['(count(up{job="bastion"} == 1) or vector(0)) < 2', ['up']],
      [
        'sum(rate(a_total[5m])) > 10 * (sum(rate(a_total[1d] offset 1d)) or vector(0)) unless on () b_seconds > bool 0.1',
        ['a_total', 'b_seconds'],
      ],
      [
        'max by (instance, channel) (notification_provider_circuit_state{instance=~"$instance"}) == 2',
        ['notification_provider_circuit_state'],
      ],
      ['1 - (1 - avg_over_time((1 - bastion:error_ratio:rate5m)[30d:5m])) / 0.001', ['bastion:error_ratio:rate5m']],
      [
        'sum(x_total) / ignoring (reason) group_left sum without (reason) (y_total) # the "z_total" comment',
        ['x_total', 'y_total'],
      ],
      ['topk(10, sum by (type) (rate(audit_events_written_total{type=~"auth.mfa_failed"}[5m])))', ['audit_events_written_total']],
    ])('%s', (expr, names) => {
      expect(metricNamesIn(expr)).toEqual(names);
    });

    it('tells histogram series from their family, and families from the exposition', () => {
      const families = metricFamilies(
        [
          '# HELP h_seconds A histogram.',
          '# TYPE h_seconds histogram',
          'h_seconds_bucket{le="0.5"} 1',
          '# HELP c_total A counter.',
          '# TYPE c_total counter',
          '# HELP s_seconds A summary.',
          '# TYPE s_seconds summary',
        ].join('\n'),
      );
      expect([...families]).toEqual([
        ['h_seconds', 'histogram'],
        ['c_total', 'counter'],
        ['s_seconds', 'summary'],
      ]);
      expect(['h_seconds_bucket', 'h_seconds_count', 'h_seconds_sum', 'c_total'].map((n) => isExported(n, families))).toEqual([
        true,
        true,
        true,
        true,
      ]);
      expect(['c_total_count', 's_seconds_bucket', 'h_seconds_total', 'nope'].map((n) => isExported(n, families))).toEqual([
        false,
        false,
        false,
        false,
      ]);
    });
  });

  describe('alert rules (prometheus-rules.yaml)', () => {
    it('every alert has a unique name, a severity, a summary and a runbook section that exists in docs/operations/', () => {
      expect(alerts.length).toBeGreaterThanOrEqual(20);
      expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
      for (const alert of alerts) {
        const where = { alert: alert.alert };
        expect({ ...where, severity: ['page', 'ticket'].includes(alert.labels?.severity ?? '') }).toEqual({
          ...where,
          severity: true,
        });
        expect(alert.annotations?.summary).toEqual(expect.stringMatching(/\S/));
        const [file, anchor] = (alert.annotations?.runbook ?? '').split('#');
        expect({ ...where, file, inOperations: /^docs\/operations\/[a-z-]+\.md$/.test(file), exists: exists(file) }).toEqual({
          ...where,
          file,
          inOperations: true,
          exists: true,
        });
        expect({ ...where, anchor, found: anchorsOf(read(file)).has(anchor) }).toEqual({ ...where, anchor, found: true });
      }
    });

    it('an expression uses only recording rules defined in the file', () => {
      for (const rule of rules) {
        for (const name of metricNamesIn(rule.expr).filter((n) => n.includes(':'))) {
          expect({ rule: rule.alert ?? rule.record, name, defined: recorded.has(name) }).toEqual({
            rule: rule.alert ?? rule.record,
            name,
            defined: true,
          });
        }
      }
    });

    it('the burn-rate alerts encode the SLOs of health-and-slo.md (99.9 % available, 99 % within 500 ms) with the SRE workbook windows', () => {
      const slo = read('docs/operations/health-and-slo.md');
      expect(slo).toContain('**99.9 %** of API requests succeed');
      expect(slo).toMatch(/\*\*99 %\*\* of API requests .* within \*\*500 ms\*\*/);
      const expr = (name: string) => alerts.find((a) => a.alert === name)?.expr.replace(/\s+/g, ' ');
      const severity = (name: string) => alerts.find((a) => a.alert === name)?.labels?.severity;
      const burns = [
        ['BastionErrorBudgetFastBurn', 'error_ratio', '1h', '5m', '14.4', '0.001', 'page'],
        ['BastionErrorBudgetSlowBurn', 'error_ratio', '6h', '30m', '6', '0.001', 'page'],
        ['BastionErrorBudgetDrain', 'error_ratio', '3d', '6h', '1', '0.001', 'ticket'],
        ['BastionLatencyBudgetBurn', 'slow_ratio', '1h', '5m', '14.4', '0.01', 'page'],
        ['BastionLatencyBudgetSlowBurn', 'slow_ratio', '6h', '30m', '6', '0.01', 'page'],
        ['BastionLatencyBudgetDrain', 'slow_ratio', '3d', '6h', '1', '0.01', 'ticket'],
      ];
      for (const [name, sli, long, short, factor, budget, level] of burns) {
        expect({ name, expr: expr(name), severity: severity(name) }).toEqual({
          name,
          expr: `bastion:${sli}:rate${long} > (${factor} * ${budget}) and bastion:${sli}:rate${short} > (${factor} * ${budget})`,
          severity: level,
        });
      }
      // The windows are what their names say, and the latency SLI counts requests over 500 ms.
      for (const rule of rules.filter((r) => /^bastion:(error|slow)_ratio:rate/.test(r.record ?? ''))) {
        const window = rule.record!.split(':rate')[1];
        if (rule.record !== 'bastion:error_ratio:rate5m') expect(rule.expr).toContain(`[${window}]`);
        if (rule.record!.includes('slow_ratio')) expect(rule.expr).toContain('le="0.5"');
      }
    });

    it('every alert has a promtool test where it fires and one where it does not', () => {
      const cases = ruleTests.flatMap((f) => f.tests.flatMap((t) => t.alert_rule_test ?? []));
      const coverage = alerts.map(({ alert }) => {
        const mine = cases.filter((c) => c.alertname === alert);
        return {
          alert,
          fires: mine.some((c) => (c.exp_alerts ?? []).length > 0),
          staysQuiet: mine.some((c) => (c.exp_alerts ?? []).length === 0),
        };
      });
      expect(coverage).toEqual(alerts.map(({ alert }) => ({ alert, fires: true, staysQuiet: true })));
      // And no test names an alert that does not exist.
      const names = new Set(alerts.map((a) => a.alert));
      expect(cases.filter((c) => !names.has(c.alertname)).map((c) => c.alertname)).toEqual([]);
    });

    it('the promtool tests load this rules file and evaluate while their input series still have samples', () => {
      expect(ruleTests.length).toBeGreaterThanOrEqual(1);
      for (const file of ruleTests) {
        expect({ file: file.file, rule_files: file.rule_files }).toEqual({
          file: file.file,
          rule_files: ['../prometheus-rules.yaml'],
        });
        for (const test of file.tests) {
          const interval = durationMs(test.interval ?? '1m');
          const end = Math.min(...test.input_series.map((s) => (sampleCount(s.values) - 1) * interval));
          const evalTimes = [...(test.alert_rule_test ?? []), ...(test.promql_expr_test ?? [])].map((c) => c.eval_time);
          expect(evalTimes.length).toBeGreaterThan(0);
          for (const at of evalTimes) {
            expect({ file: file.file, test: test.name, at, withinSeries: durationMs(at) <= end }).toEqual({
              file: file.file,
              test: test.name,
              at,
              withinSeries: true,
            });
          }
        }
      }
    });
  });

  describe('Grafana dashboards and provisioning', () => {
    it('provisions one Prometheus datasource with a fixed uid, and a file provider for the dashboards', () => {
      expect(datasources.apiVersion).toBe(1);
      expect(datasources.datasources).toHaveLength(1);
      expect(datasources.datasources[0]).toMatchObject({ type: 'prometheus', uid: 'bastion-prometheus', isDefault: true });
      expect(datasources.datasources[0].url).toMatch(/^https?:\/\//);
      expect(providers.apiVersion).toBe(1);
      expect(providers.providers).toEqual([
        expect.objectContaining({
          type: 'file',
          options: expect.objectContaining({ path: '/var/lib/grafana/dashboards/bastion' }),
        }),
      ]);
    });

    it('has the overview, security, delivery and audit-and-streams dashboards, with unique uids and titles', () => {
      const parsed = dashboards.map(({ text }) => parseDashboard(text));
      expect(parsed.map((d) => d.uid).sort()).toEqual([
        'bastion-audit-streams',
        'bastion-delivery',
        'bastion-overview',
        'bastion-security',
      ]);
      expect(new Set(parsed.map((d) => d.title)).size).toBe(parsed.length);
    });

    it.each(dashboards.map((d) => [d.file, d.text]))(
      '%s: valid JSON, a well-formed dashboard on the provisioned datasource',
      (_file, text) => {
        const dashboard = parseDashboard(text);
        expect(dashboardProblems(dashboard, datasourceUid)).toEqual([]);
        // Every panel's queries select at least one metric.
        for (const panel of panelsOf(dashboard).filter((p) => p.type !== 'row')) {
          const names = (panel.targets ?? []).flatMap((t) => metricNamesIn(t.expr ?? ''));
          expect({ panel: panel.title, selectsMetrics: names.length > 0 }).toEqual({ panel: panel.title, selectsMetrics: true });
        }
      },
    );

    it('the checker refuses a broken dashboard', () => {
      const broken: Dashboard = {
        uid: 'x',
        title: '',
        panels: [
          {
            id: 1,
            type: 'timeseries',
            title: 'a',
            gridPos: { x: 0, y: 0, w: 12, h: 8 },
            datasource: { uid: 'other' },
            targets: [{ refId: 'A', expr: ' ' }],
          },
          {
            id: 1,
            type: 'stat',
            title: 'b',
            gridPos: { x: 6, y: 4, w: 12, h: 8 },
            datasource: { uid: datasourceUid },
            targets: [],
          },
          { id: 3, type: 'row', title: 'c', gridPos: { x: 20, y: 20, w: 6, h: 1 } },
        ],
      };
      expect(dashboardProblems(broken, datasourceUid)).toEqual([
        'no title',
        'panel 1 "a": datasource {"uid":"other"}',
        'panel 1 "a": target A has no expr',
        'panel 1 "b": missing or duplicate id',
        'panel 1 "b" overlaps panel 1 "a"',
        'panel 1 "b": no targets',
        'panel 3 "c": bad gridPos {"x":20,"y":20,"w":6,"h":1}',
      ]);
    });
  });

  describe('metric names against the real app', () => {
    let t: TestApp;
    let families: Map<string, string>;

    beforeAll(async () => {
      t = await createTestApp({ env: { METRICS_TOKEN } });
      // Some traffic first, so the scrape is the one of an instance at work (families are listed even before any sample).
      expect((await t.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      const res = await t.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.statusCode).toBe(200);
      families = metricFamilies(res.body);
    });
    afterAll(async () => {
      await t.close();
    });

    it('the scrape lists the families the platform registers, with their types', () => {
      expect(families.get('http_requests_total')).toBe('counter');
      expect(families.get('http_request_duration_seconds')).toBe('histogram');
      expect(families.get('db_pool_connections')).toBe('gauge');
      expect(families.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
      expect(families.size).toBeGreaterThan(40);
    });

    it('every metric the alert rules and the dashboards name is exported by /metrics (or is a recording rule, or made by Prometheus)', () => {
      const used = namesInUse();
      // The tokenizer found the metrics that matter (a tokenizer that finds nothing would pass the check below).
      for (const name of [
        'http_requests_total',
        'http_request_duration_seconds_bucket',
        'db_pool_connections',
        'auth_login_failures_total',
      ]) {
        expect(used.has(name)).toBe(true);
      }
      const missing: string[] = [];
      for (const [name, where] of [...used].sort(([a], [b]) => a.localeCompare(b))) {
        const known = name.includes(':') ? recorded.has(name) : SYNTHETIC_METRICS.has(name) || isExported(name, families);
        if (!known) missing.push(`${name}  (used by ${[...where].join('; ')})`);
      }
      if (missing.length > 0) {
        throw new Error(
          `${missing.length} metric name(s) used by deploy/monitoring/ are not exported by the app's /metrics ` +
            `(nor defined as recording rules):\n${missing.map((m) => `  - ${m}`).join('\n')}`,
        );
      }
      expect(missing).toEqual([]);
    });
  });
});
