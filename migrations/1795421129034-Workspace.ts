import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workspace: projects, support_tickets, community_posts (workspace context). Every list is
 * "newest first, id breaking ties", so each index ends in (created_at DESC, id DESC): one for
 * an owner's (author's) items, one for everything (admins, the community feed), and the
 * support queue by status.
 */

export class Workspace1795421129034 implements MigrationInterface {
  name = 'Workspace1795421129034';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "projects" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "description" character varying(5000) NOT NULL DEFAULT '',
                "status" character varying(16) NOT NULL DEFAULT 'active',
                "owner_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_projects_status" CHECK ("status" IN ('active', 'archived')),
                CONSTRAINT "PK_projects" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_projects_owner_created" ON "projects" ("owner_id", "created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_projects_created" ON "projects" ("created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            ALTER TABLE "projects"
            ADD CONSTRAINT "fk_projects_owner" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);

    await queryRunner.query(`
            CREATE TABLE "support_tickets" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "subject" character varying(200) NOT NULL,
                "body" character varying(10000) NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'open',
                "priority" character varying(16) NOT NULL DEFAULT 'normal',
                "owner_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_support_tickets_status" CHECK ("status" IN ('open', 'in_progress', 'resolved', 'closed')),
                CONSTRAINT "ck_support_tickets_priority" CHECK ("priority" IN ('low', 'normal', 'high', 'urgent')),
                CONSTRAINT "PK_support_tickets" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_support_tickets_owner_created" ON "support_tickets" ("owner_id", "created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_support_tickets_status_created" ON "support_tickets" ("status", "created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_support_tickets_created" ON "support_tickets" ("created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            ALTER TABLE "support_tickets"
            ADD CONSTRAINT "fk_support_tickets_owner" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);

    await queryRunner.query(`
            CREATE TABLE "community_posts" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "title" character varying(200) NOT NULL,
                "body" character varying(20000) NOT NULL,
                "author_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_community_posts" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_community_posts_author_created" ON "community_posts" ("author_id", "created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_community_posts_created" ON "community_posts" ("created_at" DESC, "id" DESC)
        `);
    await queryRunner.query(`
            ALTER TABLE "community_posts"
            ADD CONSTRAINT "fk_community_posts_author" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "community_posts" DROP CONSTRAINT "fk_community_posts_author"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_community_posts_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_community_posts_author_created"
        `);
    await queryRunner.query(`
            DROP TABLE "community_posts"
        `);
    await queryRunner.query(`
            ALTER TABLE "support_tickets" DROP CONSTRAINT "fk_support_tickets_owner"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_support_tickets_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_support_tickets_status_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_support_tickets_owner_created"
        `);
    await queryRunner.query(`
            DROP TABLE "support_tickets"
        `);
    await queryRunner.query(`
            ALTER TABLE "projects" DROP CONSTRAINT "fk_projects_owner"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_projects_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_projects_owner_created"
        `);
    await queryRunner.query(`
            DROP TABLE "projects"
        `);
  }
}
