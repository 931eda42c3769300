import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live feeds (docs/operations.md, "Live feeds"): a committed insert into `audit_events` or a
 * change of `status_events` notifies channel `bastion_feed` with the topic, once per statement.
 * NOTIFY is delivered on commit only, so a feed never shows what a rolled-back transaction wrote.
 */
export class LiveFeeds1796947200000 implements MigrationInterface {
  name = 'LiveFeeds1796947200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE FUNCTION "bastion_feed_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM pg_notify('bastion_feed', TG_ARGV[0]);
              RETURN NULL;
            END
            $$
        `);
    await queryRunner.query(`
            CREATE TRIGGER "audit_events_feed" AFTER INSERT ON "audit_events"
            FOR EACH STATEMENT EXECUTE FUNCTION "bastion_feed_notify"('audit')
        `);
    await queryRunner.query(`
            CREATE TRIGGER "status_events_feed" AFTER INSERT OR UPDATE OR DELETE ON "status_events"
            FOR EACH STATEMENT EXECUTE FUNCTION "bastion_feed_notify"('status')
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "status_events_feed" ON "status_events"`);
    await queryRunner.query(`DROP TRIGGER "audit_events_feed" ON "audit_events"`);
    await queryRunner.query(`DROP FUNCTION "bastion_feed_notify"()`);
  }
}
