import type { EntityManager } from 'typeorm';
import { AuthError } from '../domain/auth.errors';

/**
 * The last-admin rule: a change that demotes, deactivates or deletes users must leave at least
 * one active admin who is not being removed. Call it inside the transaction that makes the
 * change: it locks the active admin rows (`FOR UPDATE`), so two admins demoting each other at
 * the same time cannot both succeed.
 *
 * @param leaving the ids losing admin power by this change (demoted, deactivated or deleted)
 * @throws AuthError `409 last_admin` when no active admin would be left
 */
export async function assertAdminsRemain(manager: EntityManager, leaving: readonly string[]): Promise<void> {
  if (leaving.length === 0) return;
  const rows: { id: string }[] = await manager.query(
    `SELECT id FROM users WHERE role = 'admin' AND is_active AND deletion_due_at IS NULL ORDER BY id FOR UPDATE`,
  );
  const gone = new Set(leaving.map((id) => id.toLowerCase()));
  const touched = rows.some((row) => gone.has(row.id));
  if (touched && rows.every((row) => gone.has(row.id))) throw AuthError.lastAdmin();
}
