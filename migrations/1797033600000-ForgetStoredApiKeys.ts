import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creating an API key is no longer `@Idempotent()` (docs/idempotency.md): its answer holds the
 * key, which nothing else keeps in clear. Stored answers of that route from before hold it for the
 * idempotency TTL; they are deleted (a replay of one of those keys then runs the request again,
 * as a new key would). Nothing to restore on the way down.
 */
export class ForgetStoredApiKeys1797033600000 implements MigrationInterface {
  name = 'ForgetStoredApiKeys1797033600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "idempotency_keys" WHERE "response_status" = 201 AND "response_body" LIKE '%"key":"bst\\_%'`,
    );
  }

  public async down(): Promise<void> {
    // The deleted answers held secrets; they are not brought back.
  }
}
