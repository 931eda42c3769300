import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type DataSubject, type ExportSections, type PersonalDataHolder, HoldsPersonalData } from '../../platform/personal-data';

/**
 * The messages sent to a user: listed in their export (what, when, how it went; never the
 * links), and deleted with the account, whether linked to it or only addressed to it.
 */
@Injectable()
@HoldsPersonalData()
export class NotificationsPersonalData implements PersonalDataHolder {
  readonly name = 'notifications';

  constructor(private readonly dataSource: DataSource) {}

  async exportFor(subject: DataSubject): Promise<ExportSections> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT id, channel, recipient, template, status, attempts, created_at, sent_at, failed_at
         FROM notifications
        WHERE user_id = $1 OR lower(recipient) = lower($2)
        ORDER BY created_at, id`,
      [subject.userId, subject.email],
    );
    return {
      notifications: rows.map((row) => ({
        ...row,
        created_at: isoOrNull(row.created_at),
        sent_at: isoOrNull(row.sent_at),
        failed_at: isoOrNull(row.failed_at),
      })),
    };
  }

  /** Their attempts go with them (foreign key, on delete cascade). */
  async erase(subject: DataSubject, manager: EntityManager): Promise<number> {
    const [, count] = await manager.query<[unknown[], number]>(
      'DELETE FROM notifications WHERE user_id = $1 OR lower(recipient) = lower($2)',
      [subject.userId, subject.email],
    );
    return count;
  }
}

function isoOrNull(value: unknown): string | null {
  return value instanceof Date ? value.toISOString() : null;
}
