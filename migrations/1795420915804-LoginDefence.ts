import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Login defence (auth): per-email lockout state, known login sources for suspicious-login
 * telemetry, and the failed-login counters of the throttle when no Redis is configured
 * (rate-limiter-flexible's PostgreSQL store; its table has no entity).
 */
export class LoginDefence1795420915804 implements MigrationInterface {
  name = 'LoginDefence1795420915804';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "login_lockouts" (
                "subject_hash" character(64) NOT NULL,
                "user_id" uuid,
                "failed_count" integer NOT NULL DEFAULT 0,
                "lockout_level" integer NOT NULL DEFAULT 0,
                "locked_until" TIMESTAMP WITH TIME ZONE,
                "last_failed_at" TIMESTAMP WITH TIME ZONE,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_login_lockouts" PRIMARY KEY ("subject_hash")
            )
        `);
    await queryRunner.query(`CREATE INDEX "ix_login_lockouts_user_id" ON "login_lockouts" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "ix_login_lockouts_last_failed_at" ON "login_lockouts" ("last_failed_at")`);
    await queryRunner.query(`
            CREATE TABLE "login_sources" (
                "user_id" uuid NOT NULL,
                "kind" character varying(16) NOT NULL,
                "value_hash" character(64) NOT NULL,
                "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_login_sources" PRIMARY KEY ("user_id", "kind", "value_hash")
            )
        `);
    await queryRunner.query(`
            ALTER TABLE "login_sources"
            ADD CONSTRAINT "FK_login_sources_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            CREATE TABLE "login_throttle" (
                "key" character varying(255) NOT NULL,
                "points" integer NOT NULL DEFAULT 0,
                "expire" bigint,
                CONSTRAINT "PK_login_throttle" PRIMARY KEY ("key")
            )
        `);
    await queryRunner.query(`CREATE INDEX "ix_login_throttle_expire" ON "login_throttle" ("expire")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "login_throttle"`);
    await queryRunner.query(`DROP TABLE "login_sources"`);
    await queryRunner.query(`DROP TABLE "login_lockouts"`);
  }
}
