import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Passkeys (WebAuthn credentials) and the challenges of ceremonies in flight (docs/identity.md, "Passkeys"). */
export class Passkeys1796774400000 implements MigrationInterface {
  name = 'Passkeys1796774400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "passkeys" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "user_id" uuid NOT NULL,
                "credential_id" character varying(1366) NOT NULL,
                "public_key" bytea NOT NULL,
                "counter" bigint NOT NULL DEFAULT '0',
                "transports" jsonb NOT NULL DEFAULT '[]',
                "device_type" character varying(16) NOT NULL,
                "backed_up" boolean NOT NULL,
                "name" character varying(64) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_used_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_passkeys_device_type" CHECK ("device_type" IN ('singleDevice', 'multiDevice')),
                CONSTRAINT "PK_passkeys" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_passkeys_credential_id" ON "passkeys" ("credential_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_passkeys_user" ON "passkeys" ("user_id", "created_at")
        `);
    await queryRunner.query(`
            CREATE TABLE "webauthn_challenges" (
                "challenge" character varying(64) NOT NULL,
                "ceremony" character varying(16) NOT NULL,
                "user_id" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_webauthn_challenges_ceremony" CHECK ("ceremony" IN ('registration', 'authentication')),
                CONSTRAINT "PK_webauthn_challenges" PRIMARY KEY ("challenge")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_webauthn_challenges_expires_at" ON "webauthn_challenges" ("expires_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "passkeys"
            ADD CONSTRAINT "fk_passkeys_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "webauthn_challenges"
            ADD CONSTRAINT "fk_webauthn_challenges_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "webauthn_challenges" DROP CONSTRAINT "fk_webauthn_challenges_user"
        `);
    await queryRunner.query(`
            ALTER TABLE "passkeys" DROP CONSTRAINT "fk_passkeys_user"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_webauthn_challenges_expires_at"
        `);
    await queryRunner.query(`
            DROP TABLE "webauthn_challenges"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_passkeys_user"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_passkeys_credential_id"
        `);
    await queryRunner.query(`
            DROP TABLE "passkeys"
        `);
  }
}
