import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Files: files (files context), the metadata of uploaded blobs; the bytes live in the file
 * storage under the same id. Lists are "newest first, id breaking ties": one index for an
 * owner's files, one for everyone's (admins).
 */

export class Files1795422761432 implements MigrationInterface {
  name = 'Files1795422761432';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "files" (
                "id" uuid NOT NULL,
                "owner_id" uuid NOT NULL,
                "filename" character varying(255) NOT NULL,
                "content_type" character varying(127) NOT NULL,
                "size" bigint NOT NULL,
                "sha256" character(64) NOT NULL,
                "scan_status" character varying(16) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_files_scan_status" CHECK ("scan_status" IN ('clean', 'not_scanned', 'scan_failed')),
                CONSTRAINT "ck_files_size" CHECK ("size" > 0),
                CONSTRAINT "ck_files_sha256" CHECK ("sha256" ~ '^[0-9a-f]{64}$'),
                CONSTRAINT "PK_files" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_files_owner_created" ON "files" ("owner_id", "created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_files_created" ON "files" ("created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            ALTER TABLE "files"
            ADD CONSTRAINT "fk_files_owner" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "files" DROP CONSTRAINT "fk_files_owner"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_files_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_files_owner_created"
        `);
    await queryRunner.query(`
            DROP TABLE "files"
        `);
  }
}
