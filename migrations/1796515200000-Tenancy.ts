import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenancy: organisations (`tenants`) with members and roles (`memberships`), and the
 * invitations table the next round fills. Every user gets a personal tenant: the backfill
 * creates one (slug `u-` + the user id without dashes, owned by the user) for each account
 * that exists now; later accounts get theirs lazily on first use. Erased accounts (kept only
 * as pseudonyms) get none.
 */
export class Tenancy1796515200000 implements MigrationInterface {
  name = 'Tenancy1796515200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "tenants" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "slug" character varying(63) NOT NULL,
                "name" character varying(100) NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'active',
                "personal_owner_id" uuid,
                "settings" jsonb NOT NULL DEFAULT '{}',
                "quotas" jsonb NOT NULL DEFAULT '{}',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_tenants_status" CHECK ("status" IN ('active', 'suspended')),
                CONSTRAINT "ck_tenants_slug" CHECK ("slug" ~ '^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$'),
                CONSTRAINT "PK_tenants" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_tenants_slug" ON "tenants" ("slug")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_tenants_personal_owner" ON "tenants" ("personal_owner_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_tenants_created" ON "tenants" ("created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            ALTER TABLE "tenants"
            ADD CONSTRAINT "fk_tenants_personal_owner" FOREIGN KEY ("personal_owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);

    await queryRunner.query(`
            CREATE TABLE "memberships" (
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "role" character varying(16) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_memberships_role" CHECK ("role" IN ('owner', 'admin', 'member')),
                CONSTRAINT "PK_memberships" PRIMARY KEY ("tenant_id", "user_id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_memberships_user" ON "memberships" ("user_id")
        `);
    await queryRunner.query(`
            ALTER TABLE "memberships"
            ADD CONSTRAINT "fk_memberships_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "memberships"
            ADD CONSTRAINT "fk_memberships_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);

    await queryRunner.query(`
            CREATE TABLE "tenant_invitations" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "tenant_id" uuid NOT NULL,
                "email" character varying(254) NOT NULL,
                "role" character varying(16) NOT NULL,
                "token_hash" character(64) NOT NULL,
                "invited_by" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "accepted_at" TIMESTAMP WITH TIME ZONE,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_tenant_invitations_role" CHECK ("role" IN ('admin', 'member')),
                CONSTRAINT "PK_tenant_invitations" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_tenant_invitations_token_hash" ON "tenant_invitations" ("token_hash")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_tenant_invitations_tenant" ON "tenant_invitations" ("tenant_id")
        `);
    await queryRunner.query(`
            ALTER TABLE "tenant_invitations"
            ADD CONSTRAINT "fk_tenant_invitations_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "tenant_invitations"
            ADD CONSTRAINT "fk_tenant_invitations_invited_by" FOREIGN KEY ("invited_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION
        `);

    // Backfill: a personal tenant, and its owner membership, for every account there is.
    await queryRunner.query(`
            INSERT INTO "tenants" ("slug", "name", "personal_owner_id", "created_at", "updated_at")
            SELECT 'u-' || replace("id"::text, '-', ''), coalesce(nullif(btrim("display_name"), ''), 'Personal'), "id", "created_at", "created_at"
            FROM "users"
            WHERE "erased_at" IS NULL
        `);
    await queryRunner.query(`
            INSERT INTO "memberships" ("tenant_id", "user_id", "role", "created_at")
            SELECT "id", "personal_owner_id", 'owner', "created_at"
            FROM "tenants"
            WHERE "personal_owner_id" IS NOT NULL
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP TABLE "tenant_invitations"
        `);
    await queryRunner.query(`
            DROP TABLE "memberships"
        `);
    await queryRunner.query(`
            DROP TABLE "tenants"
        `);
  }
}
