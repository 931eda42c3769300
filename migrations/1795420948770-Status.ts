import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Status: status_events (status context). `(service, created_at DESC)` serves the latest
 * status per service (DISTINCT ON) and the per-service feed; `(created_at DESC, id DESC)` the whole feed.
 */

export class Status1795420948770 implements MigrationInterface {
  name = 'Status1795420948770';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "status_events" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "service" character varying(64) NOT NULL,
                "status" character varying(32) NOT NULL,
                "message" character varying(2000) NOT NULL,
                "created_by" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_status_events_status" CHECK ("status" IN ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
                CONSTRAINT "PK_status_events" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_status_events_service_created" ON "status_events" ("service", "created_at" DESC)
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_status_events_created" ON "status_events" ("created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            ALTER TABLE "status_events"
            ADD CONSTRAINT "fk_status_events_created_by" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "status_events" DROP CONSTRAINT "fk_status_events_created_by"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_status_events_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_status_events_service_created"
        `);
    await queryRunner.query(`
            DROP TABLE "status_events"
        `);
  }
}
