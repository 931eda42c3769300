import { Injectable } from '@nestjs/common';
import { EventBus } from '../../platform/events';
import { type Page, pageOf } from '../../platform/http/pagination';
import { inTenant } from '../../platform/database/tenant-scope';
import type { Actor } from '../../platform/ownership';
import { type TenantCaller, TenantScopes } from '../tenancy';
import { planTicketPatch, type TicketFields, type TicketPriority, type TicketStatus } from './domain/ticket';
import { WorkspaceError } from './domain/workspace.errors';
import { findInTenant, listQuery, lockForChange, type OwnedResource } from './infra/list-query';
import { SupportTicketEntity } from './infra/support-ticket.entity';

export interface SupportTicketView {
  id: string;
  tenant_id: string;
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
    tenant_id: t.tenantId,
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
  ownerOf: (t) => t.ownerId,
  toView: toSupportTicketView,
};

/**
 * A tenant's support tickets (its own help desk): every member reads them, members work on
 * their own, the tenant's admins and owners on all.
 */
@Injectable()
export class SupportTicketsService {
  constructor(
    private readonly tenants: TenantScopes,
    private readonly events: EventBus,
  ) {}

  list(
    caller: TenantCaller,
    filter: SupportTicketListFilter,
    page: { page: number; page_size: number },
  ): Promise<Page<SupportTicketView>> {
    return this.tenants.run(caller, ({ manager }) =>
      pageOf(
        listQuery(manager, SupportTicketEntity, 't', {
          text: { column: 'subject', value: filter.q },
          equals: { status: filter.status, priority: filter.priority, owner_id: filter.owner_id },
        }),
        page,
        toSupportTicketView,
      ),
    );
  }

  get(caller: TenantCaller, id: string): Promise<SupportTicketView> {
    return this.tenants.run(caller, async ({ manager }) => {
      const ticket = await findInTenant(manager, SupportTicketEntity, id);
      if (!ticket) throw WorkspaceError.notFound('ticket');
      return toSupportTicketView(ticket);
    });
  }

  /** Opens a ticket; every ticket starts `open`. */
  create(caller: TenantCaller, input: { subject: string; body: string; priority?: TicketPriority }): Promise<SupportTicketView> {
    return this.tenants.run(caller, async ({ manager, actor }) => {
      const saved = await manager.save(
        manager.create(
          SupportTicketEntity,
          inTenant({
            subject: input.subject,
            body: input.body,
            priority: input.priority ?? 'normal',
            status: 'open' as const,
            ownerId: actor.id,
          }),
        ),
      );
      await this.events.publish('workspace.ticket_created', {
        ticket_id: saved.id,
        tenant_id: saved.tenantId,
        owner_id: saved.ownerId,
        priority: saved.priority,
        by_user_id: actor.id,
      });
      return toSupportTicketView(saved);
    });
  }

  /**
   * Changes the given fields, following the ticket workflow. With `ifMatch`, only if the
   * ticket's current representation still has that strong ETag (else 412); the row is
   * locked from the check to the write.
   */
  update(caller: TenantCaller, id: string, patch: Partial<TicketFields>, ifMatch?: string): Promise<SupportTicketView> {
    // The change and its audit records commit together (the events are published inside the transaction).
    return this.tenants.run(caller, async ({ manager: m, actor }) => {
      const { row, before } = await lockForChange(m, TICKETS, id, actor, ifMatch);
      const plan = planTicketPatch(row, patch);
      const fields = Object.keys(plan.changes);
      if (fields.length === 0) return before;
      await m.update(SupportTicketEntity, { id }, { ...plan.changes, updatedAt: () => 'clock_timestamp()' });
      const view = toSupportTicketView((await findInTenant(m, SupportTicketEntity, id)) as SupportTicketEntity);
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
      tenant_id: view.tenant_id,
      owner_id: view.owner_id,
      by_user_id: actor.id,
      fields,
    });
    if (statusChange) {
      await this.events.publish('workspace.ticket_status_changed', {
        ticket_id: id,
        tenant_id: view.tenant_id,
        owner_id: view.owner_id,
        by_user_id: actor.id,
        from: statusChange.from,
        to: statusChange.to,
      });
    }
  }
}
