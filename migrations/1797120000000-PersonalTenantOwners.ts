import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A personal tenant is its owner's alone (docs/tenancy.md, "The personal tenant"), which an
 * earlier version did not enforce: another member made owner could demote or remove the personal
 * owner, who then lost the tenant (and every request without `X-Tenant-Id`) for good, since it is
 * made once per user. The owner's membership is put back, as owner, wherever it is missing or was
 * demoted. Nothing is undone on the way down: the memberships put back are the right ones.
 */
export class PersonalTenantOwners1797120000000 implements MigrationInterface {
  name = 'PersonalTenantOwners1797120000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            INSERT INTO "memberships" ("tenant_id", "user_id", "role")
            SELECT "id", "personal_owner_id", 'owner' FROM "tenants" WHERE "personal_owner_id" IS NOT NULL
            ON CONFLICT ("tenant_id", "user_id") DO UPDATE SET "role" = 'owner' WHERE "memberships"."role" <> 'owner'
        `);
  }

  public async down(): Promise<void> {
    // The memberships put back are the ones the rule requires; removing them again would break the accounts.
  }
}
