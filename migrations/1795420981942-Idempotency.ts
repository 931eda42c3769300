import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Idempotency: one row per (scope, Idempotency-Key), with the stored response once it is final. */
export class Idempotency1795420981942 implements MigrationInterface {
  name = 'Idempotency1795420981942';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "idempotency_keys" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "scope_hash" character(64) NOT NULL,
                "key" character varying(255) NOT NULL,
                "fingerprint" character(64) NOT NULL,
                "status" character varying(20) NOT NULL DEFAULT 'in_progress',
                "lock_token" uuid NOT NULL,
                "locked_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "response_status" smallint,
                "response_headers" jsonb,
                "response_body" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_8ad20779ad0411107a56e53d0f6" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_idempotency_keys_scope_key" ON "idempotency_keys" ("scope_hash", "key")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_idempotency_keys_expires_at" ON "idempotency_keys" ("expires_at")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."ix_idempotency_keys_expires_at"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_idempotency_keys_scope_key"
        `);
    await queryRunner.query(`
            DROP TABLE "idempotency_keys"
        `);
  }
}
