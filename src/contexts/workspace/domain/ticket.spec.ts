import { DomainError } from '../../../platform/http/problem';
import {
  canTransition,
  planTicketPatch,
  TICKET_STATUSES,
  TICKET_TRANSITIONS,
  type TicketFields,
  type TicketStatus,
} from './ticket';

const ticket = (status: TicketStatus = 'open'): TicketFields => ({
  subject: 'Login fails',
  body: 'Since Monday',
  status,
  priority: 'normal',
});

function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('ticket workflow', () => {
  const allowed: [TicketStatus, TicketStatus][] = [
    ['open', 'in_progress'],
    ['open', 'resolved'],
    ['open', 'closed'],
    ['in_progress', 'open'],
    ['in_progress', 'resolved'],
    ['in_progress', 'closed'],
    ['resolved', 'open'],
    ['resolved', 'closed'],
  ];
  const everyPair = TICKET_STATUSES.flatMap((from) =>
    TICKET_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const),
  );
  const forbidden = everyPair.filter(([from, to]) => !allowed.some(([f, t]) => f === from && t === to));

  it('defines exactly the intended transitions', () => {
    const defined = Object.entries(TICKET_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => [from, to]));
    expect(defined.sort()).toEqual([...allowed].sort());
  });

  it.each(allowed)('allows %p -> %p', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(planTicketPatch(ticket(from), { status: to })).toEqual({ changes: { status: to }, statusChange: { from, to } });
  });

  it.each(forbidden)('refuses %p -> %p with 409 invalid_status_transition', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    const error = thrown(() => planTicketPatch(ticket(from), { status: to }));
    expect(error.status).toBe(409);
    expect(error.code).toBe(from === 'closed' ? 'ticket_closed' : 'invalid_status_transition');
    if (from !== 'closed') {
      expect(error.options.errors).toEqual([expect.objectContaining({ field: 'status', code: 'invalid_transition' })]);
      expect(error.options.extensions).toEqual({ from, to, allowed: TICKET_TRANSITIONS[from] });
    }
  });

  it.each(TICKET_STATUSES.map((s) => [s]))('staying in %p is allowed and changes nothing', (status) => {
    expect(canTransition(status, status)).toBe(true);
    expect(planTicketPatch(ticket(status), { status })).toEqual({ changes: {} });
  });

  it('closed is final: no status leaves it', () => {
    expect(TICKET_TRANSITIONS.closed).toEqual([]);
  });
});

describe('planTicketPatch', () => {
  it('edits subject, body and priority of an open ticket, keeping only real changes', () => {
    expect(planTicketPatch(ticket(), { subject: 'Login fails on Safari', body: 'Since Monday', priority: 'urgent' })).toEqual({
      changes: { subject: 'Login fails on Safari', priority: 'urgent' },
    });
  });

  it('carries the status change next to other changes', () => {
    expect(planTicketPatch(ticket('in_progress'), { status: 'resolved', body: 'Fixed by clearing cookies' })).toEqual({
      changes: { status: 'resolved', body: 'Fixed by clearing cookies' },
      statusChange: { from: 'in_progress', to: 'resolved' },
    });
  });

  it('refuses any change to a closed ticket with 409 ticket_closed', () => {
    const error = thrown(() => planTicketPatch(ticket('closed'), { priority: 'high' }));
    expect(error).toMatchObject({ status: 409, code: 'ticket_closed' });
  });

  it('accepts a closed ticket’s current values again (nothing changes)', () => {
    expect(planTicketPatch(ticket('closed'), { ...ticket('closed') })).toEqual({ changes: {} });
  });

  it('rejects an empty patch with 400 validation_failed', () => {
    const error = thrown(() => planTicketPatch(ticket(), {}));
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(error.options.errors?.map((e) => e.field)).toEqual(['subject', 'body', 'status', 'priority']);
  });

  it('checks the empty patch before the closed state', () => {
    expect(thrown(() => planTicketPatch(ticket('closed'), {})).code).toBe('validation_failed');
  });
});
