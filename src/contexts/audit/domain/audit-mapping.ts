/**
 * How each domain event becomes an audit row: THE one table to edit when a context adds an
 * event to `src/platform/events/event-map.ts`.
 *
 * The table is typed `{ [K in DomainEventName]: ... }`, so a new event without an entry here
 * does not compile, and `audit-mapping.spec.ts` fails on it too (it reads the event map's
 * source, since ts-jest does not type-check). Field names are checked against the event's
 * payload type.
 *
 * Per entry:
 * - `subject`: what the event is about, as `{type, id: <payload field>}` alternatives; the
 *   first whose field holds a non-empty string wins (`[]`: no subject).
 * - `actor`: the payload field holding the id of the user who acted, or `null`. For
 *   authentication attempts it is the account the client claimed (its IP and user agent are
 *   the client's); `null` means "the system" unless a signed-in user made the request.
 * - `outcome`: a constant, or a function of the payload.
 * - or `{ skip: '<why>' }` for an event that is deliberately not audited.
 *
 * `ip` and `user_agent` payload fields fill the `actor_ip`/`user_agent` columns (the request
 * fills them when the payload has none). Every other field goes to `metadata`, scrubbed by
 * `pii.ts`.
 */
import type { DomainEventMap, DomainEventName } from '../../../platform/events/event-map';

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied', 'flagged'] as const;

/**
 * - `success`: the action the event reports was carried out.
 * - `failure`: an attempt failed (bad credentials, invalid input).
 * - `denied`: a security control refused it (throttle, lockout, refresh-token reuse).
 * - `flagged`: a control noticed something suspicious but let it through.
 */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

type Payload<K extends DomainEventName> = DomainEventMap[K];

/** The payload fields of event `K` that hold a string (or null): those that can name an actor or a subject. */
export type IdField<K extends DomainEventName> = {
  [F in keyof Payload<K>]-?: Payload<K>[F] extends string | null ? F : never;
}[keyof Payload<K>] &
  string;

export interface SubjectRule<K extends DomainEventName> {
  /** `user`, `email`, `session`, ... (at most 50 characters). */
  type: string;
  id: IdField<K>;
}

export interface AuditRule<K extends DomainEventName> {
  subject: readonly SubjectRule<K>[];
  actor: IdField<K> | null;
  outcome: AuditOutcome | ((event: Payload<K>) => AuditOutcome);
}

export interface SkipRule {
  /** Why this event is not audited. */
  skip: string;
}

export type AuditMappingTable = { readonly [K in DomainEventName]: AuditRule<K> | SkipRule };

const USER_OR_EMAIL = [
  { type: 'user', id: 'user_id' },
  { type: 'email', id: 'email' },
] as const;

const TENANT = [{ type: 'tenant', id: 'tenant_id' }] as const;

export const AUDIT_MAPPING: AuditMappingTable = {
  // auth
  'auth.user_registered': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.registration_failed': { subject: [{ type: 'email', id: 'email' }], actor: null, outcome: 'failure' },
  'auth.login_succeeded': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.login_failed': { subject: USER_OR_EMAIL, actor: 'user_id', outcome: 'failure' },
  'auth.login_throttled': { subject: [{ type: 'email', id: 'email' }], actor: null, outcome: 'denied' },
  'auth.login_blocked': { subject: USER_OR_EMAIL, actor: 'user_id', outcome: 'denied' },
  'auth.account_locked': { subject: USER_OR_EMAIL, actor: 'user_id', outcome: 'denied' },
  'auth.account_unlocked': { subject: [{ type: 'user', id: 'user_id' }], actor: 'by_user_id', outcome: 'success' },
  'auth.repeated_login_failures': { subject: USER_OR_EMAIL, actor: 'user_id', outcome: 'flagged' },
  'auth.suspicious_login': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'flagged' },
  'auth.mfa_enabled': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.passkey_registered': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.passkey_removed': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.passkey_renamed': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.passkey_login_succeeded': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.passkey_login_failed': { subject: [{ type: 'user', id: 'user_id' }], actor: null, outcome: 'failure' },
  'auth.passkey_counter_anomaly': { subject: [{ type: 'user', id: 'user_id' }], actor: null, outcome: 'flagged' },
  'auth.reauthenticated': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.reauthentication_failed': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'failure' },
  'auth.mfa_disabled': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.mfa_failed': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'failure' },
  'auth.recovery_code_used': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.api_key_created': { subject: [{ type: 'api_key', id: 'api_key_id' }], actor: 'user_id', outcome: 'success' },
  'auth.api_key_revoked': { subject: [{ type: 'api_key', id: 'api_key_id' }], actor: 'by_user_id', outcome: 'success' },
  'auth.api_key_rejected': { subject: [{ type: 'api_key', id: 'api_key_id' }], actor: 'user_id', outcome: 'denied' },
  'auth.user_activated': { subject: [{ type: 'user', id: 'user_id' }], actor: 'by_user_id', outcome: 'success' },
  'auth.user_deactivated': { subject: [{ type: 'user', id: 'user_id' }], actor: 'by_user_id', outcome: 'success' },
  'auth.users_bulk_updated': { subject: [], actor: 'by_user_id', outcome: 'success' },
  'auth.password_changed': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.admin_seeded': { subject: [{ type: 'user', id: 'user_id' }], actor: null, outcome: 'success' },
  'auth.email_verification_requested': { subject: [{ type: 'user', id: 'user_id' }], actor: null, outcome: 'success' },
  'auth.email_verified': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.registration_attempted': { subject: [{ type: 'user', id: 'user_id' }], actor: null, outcome: 'denied' },
  'auth.password_reset_requested': { subject: [{ type: 'user', id: 'user_id' }], actor: null, outcome: 'success' },
  'auth.password_reset': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.token_rejected': { subject: [], actor: null, outcome: 'denied' },
  'auth.email_change_requested': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.email_changed': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.account_deletion_requested': {
    subject: [{ type: 'user', id: 'user_id' }],
    actor: 'by_user_id',
    outcome: 'success',
  },
  'auth.account_deletion_cancelled': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.account_erased': { subject: [{ type: 'user', id: 'user_id' }], actor: 'by_user_id', outcome: 'success' },
  'auth.user_invited': { subject: [{ type: 'user', id: 'user_id' }], actor: 'by_user_id', outcome: 'success' },
  'auth.invitation_accepted': { subject: [{ type: 'user', id: 'user_id' }], actor: 'user_id', outcome: 'success' },
  'auth.user_role_changed': { subject: [{ type: 'user', id: 'user_id' }], actor: 'by_user_id', outcome: 'success' },

  // sessions
  'sessions.started': { subject: [{ type: 'session', id: 'session_id' }], actor: 'user_id', outcome: 'success' },
  'sessions.refreshed': { subject: [{ type: 'session', id: 'session_id' }], actor: 'user_id', outcome: 'success' },
  'sessions.revoked': { subject: [{ type: 'session', id: 'session_id' }], actor: 'by_user_id', outcome: 'success' },
  'sessions.refresh_reuse_detected': {
    subject: [{ type: 'session', id: 'session_id' }],
    actor: 'user_id',
    outcome: 'denied',
  },
  'sessions.suspicious_refresh': {
    subject: [{ type: 'session', id: 'session_id' }],
    actor: 'user_id',
    outcome: (e) => (e.action === 'denied' ? 'denied' : 'flagged'),
  },

  // status
  'status.event_posted': { subject: [{ type: 'status_event', id: 'event_id' }], actor: 'by_user_id', outcome: 'success' },

  // workspace
  'workspace.project_created': { subject: [{ type: 'project', id: 'project_id' }], actor: 'by_user_id', outcome: 'success' },
  'workspace.project_updated': { subject: [{ type: 'project', id: 'project_id' }], actor: 'by_user_id', outcome: 'success' },
  'workspace.project_deleted': { subject: [{ type: 'project', id: 'project_id' }], actor: 'by_user_id', outcome: 'success' },
  'workspace.ticket_created': {
    subject: [{ type: 'support_ticket', id: 'ticket_id' }],
    actor: 'by_user_id',
    outcome: 'success',
  },
  'workspace.ticket_updated': {
    subject: [{ type: 'support_ticket', id: 'ticket_id' }],
    actor: 'by_user_id',
    outcome: 'success',
  },
  'workspace.ticket_status_changed': {
    subject: [{ type: 'support_ticket', id: 'ticket_id' }],
    actor: 'by_user_id',
    outcome: 'success',
  },
  'workspace.post_created': { subject: [{ type: 'community_post', id: 'post_id' }], actor: 'author_id', outcome: 'success' },

  // files
  'files.uploaded': { subject: [{ type: 'file', id: 'file_id' }], actor: 'owner_id', outcome: 'success' },
  'files.upload_rejected': {
    subject: [],
    actor: 'user_id',
    // Refused by a control (type allowlist, size limit, malware scan, fail-closed scanner): denied; a malformed form: failure.
    outcome: (e) =>
      ['file_type_not_allowed', 'file_too_large', 'file_infected', 'scan_unavailable'].includes(e.reason) ? 'denied' : 'failure',
  },
  'files.deleted': { subject: [{ type: 'file', id: 'file_id' }], actor: 'by_user_id', outcome: 'success' },

  // notifications
  'notifications.sent': {
    subject: [
      { type: 'user', id: 'user_id' },
      { type: 'notification', id: 'notification_id' },
    ],
    actor: null,
    outcome: 'success',
  },
  'notifications.failed': {
    subject: [
      { type: 'user', id: 'user_id' },
      { type: 'notification', id: 'notification_id' },
    ],
    actor: null,
    outcome: 'failure',
  },

  // tenancy: every fact is about the tenant; member events name the member in `metadata.user_id`
  'tenancy.tenant_created': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.tenant_updated': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.tenant_deleted': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.member_added': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.member_role_changed': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.member_removed': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.tenant_suspended': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.tenant_reactivated': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.quotas_changed': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.invitation_sent': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.invitation_revoked': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.invitation_accepted': { subject: TENANT, actor: 'by_user_id', outcome: 'success' },
  'tenancy.quota_exceeded': { subject: TENANT, actor: 'by_user_id', outcome: 'denied' },
  'tenancy.invitation_rejected': { subject: TENANT, actor: 'by_user_id', outcome: 'denied' },

  // platform
  'jobs.run_completed': {
    skip:
      'operational telemetry, not a security fact: every instance reports every scheduled slot (hourly cleanups, ' +
      'this context’s own retention run), already kept in job_runs, logs and metrics; auditing it would fill the ' +
      'trail with noise and make the retention job audit itself',
  },
};

export function isSkipRule(rule: object): rule is SkipRule {
  return 'skip' in rule;
}

/** The rule for an event name, or undefined for a name the table does not know. */
export function auditRuleFor(name: string): AuditRule<DomainEventName> | SkipRule | undefined {
  return Object.prototype.hasOwnProperty.call(AUDIT_MAPPING, name)
    ? (AUDIT_MAPPING[name as DomainEventName] as unknown as AuditRule<DomainEventName> | SkipRule)
    : undefined;
}

/** Every event name the audit context subscribes to (all mapped, non-skipped ones). */
export function auditedEventNames(): DomainEventName[] {
  return (Object.keys(AUDIT_MAPPING) as DomainEventName[]).filter((name) => !isSkipRule(AUDIT_MAPPING[name]));
}
