import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications: the durable delivery queue `notifications` and its log of attempts
 * `notification_attempts` (notifications context). The two partial indexes serve the claim
 * query: due `pending` rows by `next_attempt_at`, and `sending` rows whose lease
 * (`locked_until`) ran out. `dedupe_key` is unique so an event enqueues at most once.
 */
export class Notifications1795422823645 implements MigrationInterface {
  name = 'Notifications1795422823645';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "notifications" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "channel" character varying(16) NOT NULL,
                "recipient" character varying(320) NOT NULL,
                "template" character varying(64) NOT NULL,
                "data" jsonb NOT NULL,
                "user_id" uuid,
                "dedupe_key" character varying(200),
                "status" character varying(16) NOT NULL DEFAULT 'pending',
                "attempts" smallint NOT NULL DEFAULT 0,
                "max_attempts" smallint NOT NULL,
                "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "locked_until" TIMESTAMP WITH TIME ZONE,
                "claim_token" uuid,
                "locked_by" character varying(128),
                "last_error" character varying(1000),
                "provider_message_id" character varying(255),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "sent_at" TIMESTAMP WITH TIME ZONE,
                "failed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_notifications_channel" CHECK ("channel" IN ('email', 'whatsapp')),
                CONSTRAINT "ck_notifications_status" CHECK ("status" IN ('pending', 'sending', 'sent', 'failed')),
                CONSTRAINT "PK_notifications" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_notifications_dedupe_key" ON "notifications" ("dedupe_key")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_notifications_pending_due" ON "notifications" ("next_attempt_at") WHERE "status" = 'pending'
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_notifications_sending_lease" ON "notifications" ("locked_until") WHERE "status" = 'sending'
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_notifications_user_created" ON "notifications" ("user_id", "created_at" DESC)
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_notifications_created" ON "notifications" ("created_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "notifications"
            ADD CONSTRAINT "fk_notifications_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);

    await queryRunner.query(`
            CREATE TABLE "notification_attempts" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "notification_id" uuid NOT NULL,
                "attempt" smallint NOT NULL,
                "status" character varying(16) NOT NULL,
                "retryable" boolean,
                "error_code" character varying(64),
                "error" character varying(1000),
                "provider_message_id" character varying(255),
                "instance_id" character varying(128) NOT NULL,
                "started_at" TIMESTAMP WITH TIME ZONE,
                "duration_ms" integer,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_notification_attempts_status" CHECK ("status" IN ('sent', 'failed', 'abandoned')),
                CONSTRAINT "PK_notification_attempts" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_notification_attempts_notification_attempt" ON "notification_attempts" ("notification_id", "attempt")
        `);
    await queryRunner.query(`
            ALTER TABLE "notification_attempts"
            ADD CONSTRAINT "fk_notification_attempts_notification" FOREIGN KEY ("notification_id") REFERENCES "notifications"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "notification_attempts" DROP CONSTRAINT "fk_notification_attempts_notification"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_notification_attempts_notification_attempt"
        `);
    await queryRunner.query(`
            DROP TABLE "notification_attempts"
        `);
    await queryRunner.query(`
            ALTER TABLE "notifications" DROP CONSTRAINT "fk_notifications_user"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_notifications_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_notifications_user_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_notifications_sending_lease"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_notifications_pending_due"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_notifications_dedupe_key"
        `);
    await queryRunner.query(`
            DROP TABLE "notifications"
        `);
  }
}
