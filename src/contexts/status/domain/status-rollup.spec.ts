import {
  isServiceSlug,
  isServiceStatus,
  rollUp,
  SERVICE_STATUSES,
  type ServiceStatus,
  type ServiceStatusEvent,
  SEVERITY,
  statusEventViolations,
  worstStatus,
} from './status-rollup';

const at = (minute: number): Date => new Date(Date.UTC(2026, 10, 22, 12, minute));
const event = (service: string, status: ServiceStatus, minute = 0, message = ''): ServiceStatusEvent => ({
  service,
  status,
  message,
  at: at(minute),
});

/** Worst first, as the product defines it. */
const WORST_FIRST: ServiceStatus[] = [
  'major_outage',
  'partial_outage',
  'degraded_performance',
  'under_maintenance',
  'operational',
];

describe('SEVERITY', () => {
  it('ranks all five statuses, worst first: major > partial > degraded > maintenance > operational', () => {
    expect([...SERVICE_STATUSES].sort((a, b) => SEVERITY[b] - SEVERITY[a])).toEqual(WORST_FIRST);
    expect(new Set(Object.values(SEVERITY)).size).toBe(5);
  });
});

describe('worstStatus', () => {
  it('is operational when there is nothing to roll up', () => {
    expect(worstStatus([])).toBe('operational');
  });

  it.each(SERVICE_STATUSES.map((s) => [s]))('of %p alone is itself', (status) => {
    expect(worstStatus([status])).toBe(status);
  });

  // Every pair of distinct statuses: the one earlier in WORST_FIRST wins, in either order.
  const pairs = WORST_FIRST.flatMap((worse, i) => WORST_FIRST.slice(i + 1).map((better) => [worse, better] as const));
  it.each(pairs)('%p outranks %p', (worse, better) => {
    expect(worstStatus([worse, better])).toBe(worse);
    expect(worstStatus([better, worse])).toBe(worse);
  });

  it('does not let maintenance hide an outage or a degradation', () => {
    expect(worstStatus(['under_maintenance', 'partial_outage', 'under_maintenance'])).toBe('partial_outage');
    expect(worstStatus(['under_maintenance', 'degraded_performance'])).toBe('degraded_performance');
    expect(worstStatus(['operational', 'under_maintenance', 'operational'])).toBe('under_maintenance');
  });
});

describe('rollUp', () => {
  it('with no services is operational with an empty list', () => {
    expect(rollUp([])).toEqual({ overall: 'operational', services: [] });
  });

  it.each(SERVICE_STATUSES.map((s) => [s]))('a single service in %p makes the overall status the same', (status) => {
    const result = rollUp([event('api', status)]);
    expect(result.overall).toBe(status);
    expect(result.services).toEqual([event('api', status)]);
  });

  it('takes the worst across services and lists them sorted by name', () => {
    const result = rollUp([
      event('web', 'operational'),
      event('api', 'under_maintenance'),
      event('db', 'degraded_performance'),
      event('cdn', 'operational'),
    ]);
    expect(result.overall).toBe('degraded_performance');
    expect(result.services.map((s) => s.service)).toEqual(['api', 'cdn', 'db', 'web']);
  });

  it('uses each service’s latest event, whatever the input order', () => {
    const events = [
      event('api', 'major_outage', 1, 'down'),
      event('api', 'operational', 5, 'recovered'),
      event('api', 'partial_outage', 3, 'recovering'),
      event('web', 'under_maintenance', 2),
    ];
    for (const ordering of [events, [...events].reverse()]) {
      const result = rollUp(ordering);
      expect(result.services).toEqual([event('api', 'operational', 5, 'recovered'), event('web', 'under_maintenance', 2)]);
      expect(result.overall).toBe('under_maintenance');
    }
  });

  it('an old outage that has since recovered no longer counts', () => {
    expect(rollUp([event('api', 'major_outage', 0), event('api', 'operational', 1)]).overall).toBe('operational');
  });

  it('keeps the first of two events at the same instant', () => {
    expect(rollUp([event('api', 'partial_outage', 1), event('api', 'operational', 1)]).services[0].status).toBe('partial_outage');
  });
});

describe('isServiceStatus', () => {
  it.each(SERVICE_STATUSES.map((s) => [s]))('accepts %p', (status) => {
    expect(isServiceStatus(status)).toBe(true);
  });

  it.each(['', 'OPERATIONAL', 'down', 'maintenance', 'operational ', null, 3])('rejects %p', (value) => {
    expect(isServiceStatus(value)).toBe(false);
  });
});

describe('isServiceSlug', () => {
  it.each(['api', 'web-app', 'eu-west-1', '2fa', 'a', 'x'.repeat(64)])('accepts %p', (slug) => {
    expect(isServiceSlug(slug)).toBe(true);
  });

  it.each([
    '',
    'API',
    'Api',
    'web app',
    'web_app',
    '-api',
    'api-',
    'web--app',
    'api.v2',
    'ápi',
    'api\n',
    'x'.repeat(65),
    null,
    42,
  ])('rejects %p', (value) => {
    expect(isServiceSlug(value)).toBe(false);
  });
});

describe('statusEventViolations', () => {
  it('accepts a well-formed event', () => {
    expect(statusEventViolations({ service: 'api', status: 'partial_outage', message: 'Investigating' })).toEqual([]);
  });

  it('reports every broken field at once', () => {
    const violations = statusEventViolations({ service: 'Not A Slug', status: 'down', message: '' });
    expect(violations.map((v) => [v.field, v.code])).toEqual([
      ['service', 'invalid_service'],
      ['status', 'invalid_status'],
      ['message', 'invalid_message'],
    ]);
  });

  it('bounds the message length', () => {
    expect(statusEventViolations({ service: 'api', status: 'operational', message: 'x'.repeat(2000) })).toEqual([]);
    expect(statusEventViolations({ service: 'api', status: 'operational', message: 'x'.repeat(2001) })).toHaveLength(1);
    // In characters, as the column counts them: 1,500 emoji (3,000 UTF-16 units) fit, 2,001 do not.
    expect(statusEventViolations({ service: 'api', status: 'operational', message: '😀'.repeat(1500) })).toEqual([]);
    expect(statusEventViolations({ service: 'api', status: 'operational', message: '😀'.repeat(2001) })).toHaveLength(1);
  });
});
