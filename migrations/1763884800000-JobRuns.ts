import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Platform: one row per (job, slot) so a scheduled job runs once across instances. */
export class JobRuns1763884800000 implements MigrationInterface {
  name = 'JobRuns1763884800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "job_runs" (
        "job" varchar(100) NOT NULL,
        "slot" timestamptz NOT NULL,
        "instance_id" varchar(100) NOT NULL,
        "started_at" timestamptz NOT NULL DEFAULT now(),
        "finished_at" timestamptz,
        "outcome" varchar(20) NOT NULL DEFAULT 'running',
        CONSTRAINT "pk_job_runs" PRIMARY KEY ("job", "slot")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "job_runs"`);
  }
}
