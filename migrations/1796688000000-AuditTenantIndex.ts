import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tenant's audit view (`GET /tenants/{id}/audit/events`): which tenant an audit row is about
 * is already in its hashed content — the subject of a tenancy event (`subject_type = 'tenant'`),
 * `metadata.tenant_id` for events of tenant-owned data — so no column is added (a column outside
 * the hashed content could be rewritten undetected); an expression index serves the view's
 * query, newest first. The entity declares it with `synchronize: false` (TypeORM cannot
 * describe an expression index).
 */
export class AuditTenantIndex1796688000000 implements MigrationInterface {
  name = 'AuditTenantIndex1796688000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX "ix_audit_events_tenant_occurred" ON "audit_events"
            ((CASE WHEN "subject_type" = 'tenant' THEN "subject_id" ELSE "metadata" ->> 'tenant_id' END), "occurred_at" DESC, "seq" DESC)
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_audit_events_tenant_occurred"`);
  }
}
