import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type DataSubject, type ExportSections, type PersonalDataHolder, HoldsPersonalData } from '../../platform/personal-data';

/**
 * The subject's messages ($1 the account's id, $2 its address). A message linked to an account
 * is that account's alone: an address moves between accounts (one changes away from it,
 * another registers it), so only a message linked to no account (a tenant invitation to an
 * address without one) goes by its recipient.
 */
const SUBJECTS_MESSAGES = 'user_id = $1 OR (user_id IS NULL AND lower(recipient) = lower($2))';

/**
 * The messages sent to a user: listed in their export (what, when, how it went; never the
 * links), and deleted with the account, whether linked to it or only addressed to it (and
 * linked to no other account).
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
        WHERE ${SUBJECTS_MESSAGES}
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
    const [, count] = await manager.query<[unknown[], number]>(`DELETE FROM notifications WHERE ${SUBJECTS_MESSAGES}`, [
      subject.userId,
      subject.email,
    ]);
    return count;
  }
}

function isoOrNull(value: unknown): string | null {
  return value instanceof Date ? value.toISOString() : null;
}
