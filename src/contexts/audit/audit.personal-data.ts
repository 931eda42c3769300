import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type DataSubject, type ExportSections, type PersonalDataHolder, HoldsPersonalData } from '../../platform/personal-data';
import { AuditEventEntity } from './infra/audit-event.entity';
import { toAuditEventView } from './audit.service';

/**
 * The audit rows about a user, for their export: those where they acted and those about their
 * account, in the shape of `GET /audit/events`.
 *
 * Erasure deletes nothing here, on purpose: the rows are the security record, the hash chain
 * covers every one of them, and none holds the address (it is masked, or an address without
 * an account is named by its pseudonym). Once the account row is pseudonymised, the user id
 * the rows carry points at nobody.
 */
@Injectable()
@HoldsPersonalData()
export class AuditPersonalData implements PersonalDataHolder {
  readonly name = 'audit';

  constructor(private readonly dataSource: DataSource) {}

  async exportFor(subject: DataSubject): Promise<ExportSections> {
    const rows = await this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .where(`e.actor_id = CAST(:id AS uuid) OR (e.subject_type = 'user' AND e.subject_id = CAST(:id AS text))`, {
        id: subject.userId,
      })
      .orderBy('e.seq', 'ASC')
      .getMany();
    return { audit_events: rows.map(toAuditEventView) };
  }

  erase(_subject: DataSubject, _manager: EntityManager): Promise<number> {
    return Promise.resolve(0);
  }
}
