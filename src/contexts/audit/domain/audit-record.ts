/**
 * Turns one domain event into the content of one audit row (everything but its place in the
 * chain), following the event's entry in `AUDIT_MAPPING`. Framework-free and pure.
 */
import type { DomainEventName } from '../../../platform/events/event-map';
import { type AuditOutcome, type AuditRule, auditRuleFor, isSkipRule } from './audit-mapping';
import type { EmailPseudonyms } from './email-pseudonyms';
import { type JsonObject, safeText, scrubMetadata, scrubString } from './pii';

/** What the request the event was published in tells about it (absent outside requests). */
export interface AuditRequestContext {
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The signed-in user who made the request, if any. */
  userId: string | null;
}

/** An audit row before it is chained: no seq, no hashes yet. */
export interface AuditDraft {
  /** ISO 8601 UTC, millisecond precision. */
  occurred_at: string;
  type: string;
  actor_id: string | null;
  actor_ip: string | null;
  user_agent: string | null;
  subject_type: string | null;
  subject_id: string | null;
  outcome: AuditOutcome;
  request_id: string | null;
  metadata: JsonObject;
}

export const COLUMN_LIMITS = {
  type: 100,
  actorIp: 64,
  userAgent: 512,
  subjectType: 50,
  subjectId: 320,
  requestId: 128,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Fields that never go to metadata: they have columns (or are the bus's own stamp). */
const COLUMN_FIELDS = new Set(['occurred_at', 'ip', 'user_agent']);

function stringField(payload: Record<string, unknown>, field: string): string | null {
  const value = payload[field];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function asUuid(value: string | null | undefined): string | null {
  return value && UUID.test(value) ? value.toLowerCase() : null;
}

function occurredAt(raw: unknown, now: Date): string {
  const at = typeof raw === 'string' || raw instanceof Date ? new Date(raw) : null;
  return at && !Number.isNaN(at.getTime()) ? at.toISOString() : now.toISOString();
}

/**
 * The audit row for an event, or null when the mapping skips the event. An event name the
 * table does not know is still recorded (subject and actor unknown, outcome `success`), so a
 * fact is never dropped silently; the mapping spec keeps that from happening for known events.
 *
 * An e-mail subject is stored as its pseudonym (`pseudonyms`), with the address only masked
 * in the metadata (`email: j***@example.com`): no row holds an address in full.
 */
export function auditDraftFor(
  type: string,
  event: Record<string, unknown>,
  context: AuditRequestContext | undefined,
  now: Date,
  pseudonyms: Pick<EmailPseudonyms, 'of'>,
): AuditDraft | null {
  const found = auditRuleFor(type);
  if (found && isSkipRule(found)) return null;
  const rule: AuditRule<DomainEventName> = found ?? { subject: [], actor: null, outcome: 'success' };

  let subject: { type: string; id: string; field: string } | null = null;
  for (const candidate of rule.subject) {
    const id = stringField(event, candidate.id);
    if (id !== null) {
      subject = { type: candidate.type, id, field: candidate.id };
      break;
    }
  }

  const actorField = rule.actor;
  const actorId = (actorField ? asUuid(stringField(event, actorField)) : null) ?? asUuid(context?.userId);
  const ip = stringField(event, 'ip') ?? context?.ip ?? null;
  const userAgent = stringField(event, 'user_agent') ?? context?.userAgent ?? null;
  const outcome = typeof rule.outcome === 'function' ? rule.outcome(event as never) : rule.outcome;

  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (COLUMN_FIELDS.has(key) || key === subject?.field || key === actorField) continue;
    rest[key] = value;
  }
  if (subject?.type === 'email') {
    rest.email = subject.id; // masked by the scrub below
    subject = { ...subject, id: pseudonyms.of(subject.id) };
  }

  return {
    occurred_at: occurredAt(event.occurred_at, now),
    type: safeText(type, COLUMN_LIMITS.type),
    actor_id: actorId,
    actor_ip: ip === null ? null : safeText(ip, COLUMN_LIMITS.actorIp),
    user_agent: userAgent === null ? null : scrubString(userAgent, { max: COLUMN_LIMITS.userAgent }),
    subject_type: subject ? safeText(subject.type, COLUMN_LIMITS.subjectType) : null,
    subject_id: subject ? scrubString(subject.id, { max: COLUMN_LIMITS.subjectId }) : null,
    outcome,
    request_id: context?.requestId ? safeText(context.requestId, COLUMN_LIMITS.requestId) : null,
    metadata: scrubMetadata(rest),
  };
}
