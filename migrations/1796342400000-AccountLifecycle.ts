import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account lifecycle: `users.email_verified_at` (existing accounts count as verified), and the one-time tokens sent inside links
 * (verify an address, reset a password, confirm a new address, accept an invitation), stored
 * only as a keyed hash. A token is spent by setting `used_at`; the cleanup job deletes stale ones.
 */
export class AccountLifecycle1796342400000 implements MigrationInterface {
  name = 'AccountLifecycle1796342400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "users" ADD "email_verified_at" TIMESTAMP WITH TIME ZONE
        `);
    // Accounts from before verification existed are grandfathered: an upgrade must not lock
    // every existing user out where REQUIRE_EMAIL_VERIFICATION is on (production's default).
    await queryRunner.query(`
            UPDATE "users" SET "email_verified_at" = "created_at"
        `);
    await queryRunner.query(`
            CREATE TABLE "one_time_tokens" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "user_id" uuid NOT NULL,
                "purpose" character varying(20) NOT NULL,
                "token_hash" character(64) NOT NULL,
                "new_email" character varying(254),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "used_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_one_time_tokens" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_one_time_tokens_user_purpose" ON "one_time_tokens" ("user_id", "purpose")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_one_time_tokens_expires_at" ON "one_time_tokens" ("expires_at")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_one_time_tokens_token_hash" ON "one_time_tokens" ("token_hash")
        `);
    await queryRunner.query(`
            ALTER TABLE "one_time_tokens"
            ADD CONSTRAINT "FK_one_time_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP TABLE "one_time_tokens"
        `);
    await queryRunner.query(`
            ALTER TABLE "users" DROP COLUMN "email_verified_at"
        `);
  }
}
