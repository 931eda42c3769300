import { join } from 'node:path';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { dataSourceOptions } from '../src/platform/database/data-source-options';
import { pendingSchemaChanges } from '../src/platform/database/schema-drift';
import { createTestDatabase, type TestDatabase } from './support/database';

const ALL_ENTITIES = join(__dirname, '..', 'src', '**', '*.entity.{ts,js}');

/** An entity no migration creates: what drift looks like. */
@Entity({ name: 'drift_probe' })
class DriftProbeEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 10 })
  label: string;
}

describe('migrations and entities agree (the migration drift gate, also `npm run migration:check`)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('drift');
    dataSource = new DataSource({ ...dataSourceOptions(db.url, 2), entities: [ALL_ENTITIES] });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('after every migration on an empty database, TypeORM has nothing left to change', async () => {
    expect(dataSource.entityMetadatas.length).toBeGreaterThan(10);
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });

  it('an entity without its migration is reported as the SQL it is missing', async () => {
    const probe = new DataSource({ ...dataSourceOptions(db.url, 1), entities: [ALL_ENTITIES, DriftProbeEntity] });
    await probe.initialize();
    try {
      const pending = await pendingSchemaChanges(probe);
      expect(pending[0]).toMatch(/^CREATE TABLE "drift_probe"/);
      expect(pending.join('\n')).toContain('"drift_probe"');
    } finally {
      await probe.destroy();
    }
  });

  it('a column changed behind the entities’ back is reported too', async () => {
    const [{ t: original }] = await db.query<{ t: string }>(
      `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'status_events'::regclass AND attname = 'message'`,
    );
    await db.query(`ALTER TABLE status_events ALTER COLUMN message TYPE varchar(7)`);
    try {
      expect((await pendingSchemaChanges(dataSource)).join('\n')).toContain('"status_events"');
    } finally {
      await db.query(`ALTER TABLE status_events ALTER COLUMN message TYPE ${original}`);
    }
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });
});
