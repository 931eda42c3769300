import { randomBytes } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Closing and opening accounts: when a deletion was asked for and when the erasure job may run
 * (`deletion_due_at`, indexed for that job) and by whom (an admin's closing is not
 * cancelled by the owner signing in), when it ran (`erased_at`: the row stays as the
 * pseudonym audit rows point at), and when an admin invited the account (`invited_at`: an
 * invited account is inactive until its invitation is accepted).
 *
 * Also the random key of the audit trail's e-mail pseudonyms (`audit_chain.pseudonym_key`,
 * unless AUDIT_PSEUDONYM_KEY is set): audit rows name an address without an account by it,
 * so that erasing an account leaves no row holding its address.
 */
export class AccountClosure1796428800000 implements MigrationInterface {
  name = 'AccountClosure1796428800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "users"
                ADD "deletion_requested_at" TIMESTAMP WITH TIME ZONE,
                ADD "deletion_due_at" TIMESTAMP WITH TIME ZONE,
                ADD "deletion_requested_by" uuid,
                ADD "erased_at" TIMESTAMP WITH TIME ZONE,
                ADD "invited_at" TIMESTAMP WITH TIME ZONE
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_users_deletion_due_at" ON "users" ("deletion_due_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "audit_chain" ADD "pseudonym_key" character(64)
        `);
    await queryRunner.query(`UPDATE "audit_chain" SET "pseudonym_key" = $1 WHERE "id" = 1`, [randomBytes(32).toString('hex')]);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "audit_chain" DROP COLUMN "pseudonym_key"
        `);
    await queryRunner.query(`
            DROP INDEX "ix_users_deletion_due_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "users"
                DROP COLUMN "invited_at",
                DROP COLUMN "erased_at",
                DROP COLUMN "deletion_requested_by",
                DROP COLUMN "deletion_due_at",
                DROP COLUMN "deletion_requested_at"
        `);
  }
}
