import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit outbox: an audited fact is first written here, in the same transaction as the change
 * it records, and then moved onto the hash chain (`audit_events`) by the drainer, in one
 * statement that inserts the sealed rows, moves the chain head and deletes these rows. A row
 * is therefore either still here or in the chain, never both and never neither.
 * `draft` is the scrubbed row before it is sealed (no seq, no hashes); `attempts` counts
 * drains this row failed alone (a row that keeps failing is parked, not retried forever).
 */
export class AuditOutbox1796256000000 implements MigrationInterface {
  name = 'AuditOutbox1796256000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "audit_outbox" (
                "id" BIGSERIAL NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "draft" jsonb NOT NULL,
                "attempts" integer NOT NULL DEFAULT '0',
                "last_error" character varying(500),
                CONSTRAINT "PK_audit_outbox" PRIMARY KEY ("id")
            )
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP TABLE "audit_outbox"
        `);
  }
}
