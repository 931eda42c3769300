/**
 * The status page's rules: which statuses exist, how bad each one is, and how the latest
 * status of every service rolls up into one overall status. No framework imports.
 */

export const SERVICE_STATUSES = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

/**
 * Higher is worse. Planned maintenance outranks "operational" but never a degradation or an
 * outage: a page that says "maintenance" while something is actually down would hide it.
 */
export const SEVERITY: Readonly<Record<ServiceStatus, number>> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

/** `api`, `web-app`, `eu-west-1`: lower-case letters and digits in groups joined by single hyphens. */
export const SERVICE_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SERVICE_MAX_LENGTH = 64;
export const MESSAGE_MAX_LENGTH = 2000;

export function isServiceStatus(value: unknown): value is ServiceStatus {
  return typeof value === 'string' && (SERVICE_STATUSES as readonly string[]).includes(value);
}

export function isServiceSlug(value: unknown): value is string {
  return typeof value === 'string' && value.length <= SERVICE_MAX_LENGTH && SERVICE_SLUG.test(value);
}

/** One field that breaks the rules of a status event, as `errors[]` of a 400 problem reports it. */
export interface StatusEventViolation {
  field: 'service' | 'status' | 'message';
  code: string;
  message: string;
}

/**
 * Checks an event before it is stored, whoever posts it (the HTTP DTO checks the same, but
 * `StatusService` is also a public API other contexts may call).
 */
export function statusEventViolations(input: { service: unknown; status: unknown; message: unknown }): StatusEventViolation[] {
  const violations: StatusEventViolation[] = [];
  if (!isServiceSlug(input.service)) {
    violations.push({
      field: 'service',
      code: 'invalid_service',
      message: `service must be a lower-case slug of at most ${SERVICE_MAX_LENGTH} characters (a-z, 0-9, single hyphens)`,
    });
  }
  if (!isServiceStatus(input.status)) {
    violations.push({
      field: 'status',
      code: 'invalid_status',
      message: `status must be one of: ${SERVICE_STATUSES.join(', ')}`,
    });
  }
  // Characters as the column counts them (code points), not UTF-16 units: an emoji is one.
  const characters = typeof input.message === 'string' ? [...input.message].length : 0;
  if (characters < 1 || characters > MESSAGE_MAX_LENGTH) {
    violations.push({
      field: 'message',
      code: 'invalid_message',
      message: `message must be 1 to ${MESSAGE_MAX_LENGTH} characters`,
    });
  }
  return violations;
}

/** The worst of the given statuses; with none at all, `operational`. */
export function worstStatus(statuses: Iterable<ServiceStatus>): ServiceStatus {
  let worst: ServiceStatus = 'operational';
  for (const status of statuses) if (SEVERITY[status] > SEVERITY[worst]) worst = status;
  return worst;
}

/** One posted status of one service. */
export interface ServiceStatusEvent {
  service: string;
  status: ServiceStatus;
  message: string;
  at: Date;
}

export interface StatusRollUp {
  overall: ServiceStatus;
  /** One entry per service (its latest event), sorted by service name. */
  services: ServiceStatusEvent[];
}

/**
 * A service's status is its latest event's; the overall status is the worst across services.
 * Usually given one (the latest) event per service; given more, the latest one wins, and of
 * two at the same instant the one listed first.
 */
export function rollUp(events: Iterable<ServiceStatusEvent>): StatusRollUp {
  const latest = new Map<string, ServiceStatusEvent>();
  for (const event of events) {
    const known = latest.get(event.service);
    if (!known || event.at.getTime() > known.at.getTime()) latest.set(event.service, event);
  }
  const services = [...latest.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  return { overall: worstStatus(services.map((s) => s.status)), services };
}
