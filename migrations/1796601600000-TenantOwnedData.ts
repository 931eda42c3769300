import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projects, support tickets, community posts and files belong to a tenant: `tenant_id` (FK
 * `tenants`, ON DELETE CASCADE), filled with the owner's personal tenant (made here for an owner
 * who has none yet), indexed for the tenant's lists, and guarded by row-level security
 * (`ENABLE` + `FORCE`, so the tables' owner is bound too; superusers and `BYPASSRLS` roles never
 * are, which is why the app runs as a runtime role: docs/operations/database-roles.md).
 *
 * Policy `tenant_isolation`: a row is visible when its tenant is the transaction's
 * `app.tenant_id`, or when the transaction set `app.all_tenants` (erasure, export, usage
 * counts); it may be inserted or updated only into the transaction's tenant. Unset, empty or
 * absent settings match nothing. `down()` restores the tables as they were (minus the column).
 */
const TABLES: { table: string; owner: string; extra?: { name: string; columns: string }[] }[] = [
  { table: 'projects', owner: 'owner_id' },
  {
    table: 'support_tickets',
    owner: 'owner_id',
    extra: [{ name: 'ix_support_tickets_tenant_status_created', columns: '"tenant_id", "status", "created_at" DESC, "id" DESC' }],
  },
  { table: 'community_posts', owner: 'author_id' },
  { table: 'files', owner: 'owner_id' },
];

/** The indexes `up()` replaces, as the earlier migrations made them. */
const REPLACED: { table: string; name: string; columns: string }[] = [
  { table: 'projects', name: 'ix_projects_created', columns: '"created_at" DESC, "id" DESC' },
  { table: 'support_tickets', name: 'ix_support_tickets_created', columns: '"created_at" DESC, "id" DESC' },
  { table: 'support_tickets', name: 'ix_support_tickets_status_created', columns: '"status", "created_at" DESC, "id" DESC' },
  { table: 'community_posts', name: 'ix_community_posts_created', columns: '"created_at" DESC, "id" DESC' },
  { table: 'files', name: 'ix_files_created', columns: '"created_at" DESC, "id" DESC' },
];

const IN_TENANT = `"tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid`;
const ALL_TENANTS = `current_setting('app.all_tenants', true) = 'on'`;

export class TenantOwnedData1796601600000 implements MigrationInterface {
  name = 'TenantOwnedData1796601600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Every owner of a row gets a personal tenant if they have none (accounts made since the
    // Tenancy migration get theirs lazily), with its owner membership.
    const owners = TABLES.map(({ table, owner }) => `SELECT "${owner}" FROM "${table}"`).join(' UNION ');
    await queryRunner.query(`
            INSERT INTO "tenants" ("slug", "name", "personal_owner_id", "created_at", "updated_at")
            SELECT 'u-' || replace(u."id"::text, '-', ''), coalesce(nullif(btrim(u."display_name"), ''), 'Personal'), u."id", u."created_at", u."created_at"
            FROM "users" u
            WHERE u."id" IN (${owners})
            ON CONFLICT DO NOTHING
        `);
    await queryRunner.query(`
            INSERT INTO "memberships" ("tenant_id", "user_id", "role", "created_at")
            SELECT "id", "personal_owner_id", 'owner', "created_at"
            FROM "tenants"
            WHERE "personal_owner_id" IS NOT NULL
            ON CONFLICT DO NOTHING
        `);
    for (const { table, owner, extra = [] } of TABLES) {
      await queryRunner.query(`ALTER TABLE "${table}" ADD "tenant_id" uuid`);
      await queryRunner.query(`
            UPDATE "${table}" r SET "tenant_id" = t."id"
            FROM "tenants" t WHERE t."personal_owner_id" = r."${owner}"
        `);
      await queryRunner.query(`ALTER TABLE "${table}" ALTER COLUMN "tenant_id" SET NOT NULL`);
      await queryRunner.query(`
            ALTER TABLE "${table}"
            ADD CONSTRAINT "fk_${table}_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
      await queryRunner.query(
        `CREATE INDEX "ix_${table}_tenant_created" ON "${table}" ("tenant_id", "created_at" DESC, "id" DESC)`,
      );
      await queryRunner.query(
        `CREATE INDEX "ix_${table}_tenant_${owner.replace('_id', '')}_created" ON "${table}" ("tenant_id", "${owner}", "created_at" DESC, "id" DESC)`,
      );
      for (const index of extra) await queryRunner.query(`CREATE INDEX "${index.name}" ON "${table}" (${index.columns})`);
      await queryRunner.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(`
            CREATE POLICY "tenant_isolation" ON "${table}"
            USING (${IN_TENANT} OR ${ALL_TENANTS})
            WITH CHECK (${IN_TENANT})
        `);
    }
    for (const { name } of REPLACED) await queryRunner.query(`DROP INDEX "${name}"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const { table, name, columns } of REPLACED) await queryRunner.query(`CREATE INDEX "${name}" ON "${table}" (${columns})`);
    for (const { table } of TABLES) {
      await queryRunner.query(`DROP POLICY "tenant_isolation" ON "${table}"`);
      await queryRunner.query(`ALTER TABLE "${table}" NO FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${table}" DISABLE ROW LEVEL SECURITY`);
      // Dropping the column drops its foreign key and indexes.
      await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "tenant_id"`);
    }
  }
}
