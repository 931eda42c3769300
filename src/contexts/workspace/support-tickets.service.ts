import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { EventBus } from '../../platform/events';
import { type Page, pageOf } from '../../platform/http/pagination';
import { ONE_STATEMENT } from '../../platform/database/one-statement';
import { runInTransaction } from '../../platform/database/transaction-context';
import { type Actor, canAccess, listOwnerScope } from '../../platform/ownership';
import { planTicketPatch, type TicketFields, type TicketPriority, type TicketStatus } from './domain/ticket';
import { WorkspaceError } from './domain/workspace.errors';
import { applyListCriteria, lockForChange, type OwnedResource } from './infra/list-query';
import { SupportTicketEntity } from './infra/support-ticket.entity';

export interface SupportTicketView {
  id: string;
  subject: string;
  body: string;
  status: TicketStatus;
  priority: TicketPriority;
  owner_id: string;
  created_at: string;
  updated_at: string;
}

export interface SupportTicketListFilter {
  q?: string;
  status?: TicketStatus;
  priority?: TicketPriority;
  owner_id?: string;
}

export function toSupportTicketView(t: SupportTicketEntity): SupportTicketView {
  return {
    id: t.id,
    subject: t.subject,
    body: t.body,
    status: t.status,
    priority: t.priority,
    owner_id: t.ownerId,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

const TICKETS: OwnedResource<SupportTicketEntity, SupportTicketView> = {
  entity: SupportTicketEntity,
  resource: 'ticket',
  toView: toSupportTicketView,
};

/** Support tickets: each user's own; admins (support staff) see and work on all. */
@Injectable()
export class SupportTicketsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(SupportTicketEntity) private readonly tickets: Repository<SupportTicketEntity>,
    private readonly events: EventBus,
  ) {}

  async list(
    actor: Actor,
    filter: SupportTicketListFilter,
    page: { page: number; page_size: number },
  ): Promise<Page<SupportTicketView>> {
    const qb = applyListCriteria(this.tickets.createQueryBuilder('t'), 't', {
      owner: { column: 'owner_id', scope: listOwnerScope(actor, filter.owner_id) },
      text: { column: 'subject', value: filter.q },
      equals: { status: filter.status, priority: filter.priority },
    });
    return pageOf(qb, page, toSupportTicketView);
  }

  async get(actor: Actor, id: string): Promise<SupportTicketView> {
    const ticket = await this.tickets.findOneBy({ id });
    if (!ticket || !canAccess(actor, ticket.ownerId)) throw WorkspaceError.notFound('ticket');
    return toSupportTicketView(ticket);
  }

  /** Opens a ticket; every ticket starts `open`. */
  async create(actor: Actor, input: { subject: string; body: string; priority?: TicketPriority }): Promise<SupportTicketView> {
    const saved = await this.tickets.save(
      this.tickets.create({
        subject: input.subject,
        body: input.body,
        priority: input.priority ?? 'normal',
        status: 'open',
        ownerId: actor.id,
      }),
      ONE_STATEMENT,
    );
    await this.events.publish('workspace.ticket_created', {
      ticket_id: saved.id,
      owner_id: saved.ownerId,
      priority: saved.priority,
      by_user_id: actor.id,
    });
    return toSupportTicketView(saved);
  }

  /**
   * Changes the given fields, following the ticket workflow. With `ifMatch`, only if the
   * ticket's current representation still has that strong ETag (else 412); the row is
   * locked from the check to the write.
   */
  async update(actor: Actor, id: string, patch: Partial<TicketFields>, ifMatch?: string): Promise<SupportTicketView> {
    // The change and its audit records commit together (the events are published inside the transaction).
    return runInTransaction(this.dataSource, async (m) => {
      const { row, before } = await lockForChange(m, TICKETS, id, actor, ifMatch);
      const plan = planTicketPatch(row, patch);
      const fields = Object.keys(plan.changes);
      if (fields.length === 0) return before;
      await m.update(SupportTicketEntity, { id }, { ...plan.changes, updatedAt: () => 'clock_timestamp()' });
      const view = toSupportTicketView(await m.findOneByOrFail(SupportTicketEntity, { id }));
      await this.announceUpdate(actor, id, view, fields, plan.statusChange);
      return view;
    });
  }

  private async announceUpdate(
    actor: Actor,
    id: string,
    view: SupportTicketView,
    fields: string[],
    statusChange: ReturnType<typeof planTicketPatch>['statusChange'],
  ): Promise<void> {
    await this.events.publish('workspace.ticket_updated', {
      ticket_id: id,
      owner_id: view.owner_id,
      by_user_id: actor.id,
      fields,
    });
    if (statusChange) {
      await this.events.publish('workspace.ticket_status_changed', {
        ticket_id: id,
        owner_id: view.owner_id,
        by_user_id: actor.id,
        from: statusChange.from,
        to: statusChange.to,
      });
    }
  }
}
