import { plannedChanges } from './patch';
import { WorkspaceError } from './workspace.errors';

export const TICKET_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const TICKET_SUBJECT_MAX = 200;
export const TICKET_BODY_MAX = 10_000;

/**
 * The ticket workflow. Work starts, stops or resolves; a resolved ticket is reopened if the
 * fix did not hold; `closed` is final (open a new ticket instead). Staying in the same
 * status is always allowed (it changes nothing).
 */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  open: ['in_progress', 'resolved', 'closed'],
  in_progress: ['open', 'resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: [],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return from === to || TICKET_TRANSITIONS[from].includes(to);
}

export interface TicketFields {
  subject: string;
  body: string;
  status: TicketStatus;
  priority: TicketPriority;
}

export const TICKET_WRITABLE = ['subject', 'body', 'status', 'priority'] as const satisfies readonly (keyof TicketFields)[];

export interface TicketPatchPlan {
  changes: Partial<TicketFields>;
  /** Set when the status changes. */
  statusChange?: { from: TicketStatus; to: TicketStatus };
}

/**
 * Plans a ticket PATCH: only differing fields change; a status change must follow the
 * workflow (409 `invalid_status_transition`); a closed ticket accepts no change at all
 * (409 `ticket_closed`), though repeating its current values is harmless.
 */
export function planTicketPatch(current: TicketFields, patch: Partial<TicketFields>): TicketPatchPlan {
  const changes = plannedChanges<TicketFields, keyof TicketFields>(current, patch, TICKET_WRITABLE);
  if (Object.keys(changes).length === 0) return { changes };
  if (current.status === 'closed') throw WorkspaceError.ticketClosed();
  if (changes.status === undefined) return { changes };
  if (!canTransition(current.status, changes.status)) {
    throw WorkspaceError.invalidTransition(current.status, changes.status, TICKET_TRANSITIONS[current.status]);
  }
  return { changes, statusChange: { from: current.status, to: changes.status } };
}
