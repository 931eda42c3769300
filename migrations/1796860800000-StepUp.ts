import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Step-up and passkeys as a second factor: a session remembers when its user last proved who
 * they are (existing sessions: when they started), and WebAuthn challenges gain the second-factor
 * and re-authentication ceremonies and the password step's `mfa_token`.
 */
export class StepUp1796860800000 implements MigrationInterface {
  name = 'StepUp1796860800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "user_sessions"
            ADD "authenticated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        `);
    await queryRunner.query(`UPDATE "user_sessions" SET "authenticated_at" = "created_at"`);
    await queryRunner.query(`
            ALTER TABLE "webauthn_challenges" DROP CONSTRAINT "ck_webauthn_challenges_ceremony"
        `);
    await queryRunner.query(`
            ALTER TABLE "webauthn_challenges"
            ADD CONSTRAINT "ck_webauthn_challenges_ceremony"
            CHECK ("ceremony" IN ('registration', 'authentication', 'second_factor', 'reauthentication', 'mfa_token'))
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DELETE FROM "webauthn_challenges" WHERE "ceremony" NOT IN ('registration', 'authentication')
        `);
    await queryRunner.query(`
            ALTER TABLE "webauthn_challenges" DROP CONSTRAINT "ck_webauthn_challenges_ceremony"
        `);
    await queryRunner.query(`
            ALTER TABLE "webauthn_challenges"
            ADD CONSTRAINT "ck_webauthn_challenges_ceremony" CHECK ("ceremony" IN ('registration', 'authentication'))
        `);
    await queryRunner.query(`
            ALTER TABLE "user_sessions" DROP COLUMN "authenticated_at"
        `);
  }
}
