import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit: audit_events (the append-only, hash-chained trail) and audit_chain (its one
 * bookkeeping row: the head every writer locks, and the retention anchor). Lists are
 * "newest first, chain order breaking ties", so each index ends in (occurred_at DESC, seq DESC):
 * everything, by type, by actor. `seq` is unique: the chain has one row per position.
 * No foreign keys: a row about a deleted user must stay as it was written.
 */

export class Audit1795422882699 implements MigrationInterface {
  name = 'Audit1795422882699';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "audit_events" (
                "id" uuid NOT NULL,
                "seq" bigint NOT NULL,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "type" character varying(100) NOT NULL,
                "actor_id" uuid,
                "actor_ip" character varying(64),
                "user_agent" character varying(512),
                "subject_type" character varying(50),
                "subject_id" character varying(320),
                "outcome" character varying(16) NOT NULL,
                "request_id" character varying(128),
                "metadata" jsonb NOT NULL,
                "prev_hash" character(64) NOT NULL,
                "hash" character(64) NOT NULL,
                CONSTRAINT "uq_audit_events_seq" UNIQUE ("seq"),
                CONSTRAINT "ck_audit_events_outcome" CHECK ("outcome" IN ('success', 'failure', 'denied', 'flagged')),
                CONSTRAINT "PK_audit_events" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_audit_events_occurred" ON "audit_events" ("occurred_at" DESC, "seq" DESC)
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_audit_events_type_occurred" ON "audit_events" ("type", "occurred_at" DESC, "seq" DESC)
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_audit_events_actor_occurred" ON "audit_events" ("actor_id", "occurred_at" DESC, "seq" DESC)
        `);

    await queryRunner.query(`
            CREATE TABLE "audit_chain" (
                "id" smallint NOT NULL,
                "head_seq" bigint NOT NULL,
                "head_hash" character(64) NOT NULL,
                "anchor_seq" bigint NOT NULL,
                "anchor_hash" character(64) NOT NULL,
                "anchored_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_audit_chain_single_row" CHECK ("id" = 1),
                CONSTRAINT "PK_audit_chain" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            INSERT INTO "audit_chain" ("id", "head_seq", "head_hash", "anchor_seq", "anchor_hash")
            VALUES (1, 0, repeat('0', 64), 0, repeat('0', 64))
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP TABLE "audit_chain"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_actor_occurred"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_type_occurred"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_occurred"
        `);
    await queryRunner.query(`
            DROP TABLE "audit_events"
        `);
  }
}
