import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type DataSubject, type ExportSections, type PersonalDataHolder, HoldsPersonalData } from '../../platform/personal-data';

/**
 * Stored responses kept for replay (24 h by default) can quote a user: their id in a created
 * item, their address in an admin's invitation. The table holds no user id of its own (the
 * scope is a hash), so erasure finds those responses by content. Nothing is exported: these
 * are copies of answers the caller already received, and they expire.
 */
@Injectable()
@HoldsPersonalData()
export class IdempotencyPersonalData implements PersonalDataHolder {
  readonly name = 'idempotency';

  exportFor(_subject: DataSubject): Promise<ExportSections> {
    return Promise.resolve({});
  }

  async erase(subject: DataSubject, manager: EntityManager): Promise<number> {
    const [, count] = await manager.query<[unknown[], number]>(
      `DELETE FROM idempotency_keys
        WHERE strpos(lower(coalesce(response_body, '') || ' ' || coalesce(response_headers::text, '')), lower($1)) > 0
           OR strpos(lower(coalesce(response_body, '') || ' ' || coalesce(response_headers::text, '')), lower($2)) > 0`,
      [subject.userId, subject.email],
    );
    return count;
  }
}
