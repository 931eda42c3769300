import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MigrationInterface } from 'typeorm';
import { migrations } from './index';

type MigrationClass = new () => MigrationInterface;

/** `1763884800000-JobRuns.ts` -> 1763884800000 */
const FILE_PATTERN = /^(\d{13})-([A-Za-z][A-Za-z0-9]*)\.ts$/;

const migrationFiles = readdirSync(__dirname)
  .filter((file) => file.endsWith('.ts') && file !== 'index.ts' && !file.endsWith('.spec.ts') && !file.endsWith('.d.ts'))
  .sort();

const timestampOf = (klass: MigrationClass): number => Number(/(\d{13})$/.exec(klass.name)?.[1]);

describe('migrations/index.ts', () => {
  it('has at least one migration file to check', () => {
    expect(migrationFiles.length).toBeGreaterThan(0);
  });

  it.each(migrationFiles)('%s is named <13-digit timestamp>-<PascalName>.ts', (file) => {
    expect(file).toMatch(FILE_PATTERN);
  });

  it.each(migrationFiles)('%s exports one migration class, and it is listed in `migrations`', (file) => {
    const exported = Object.values(jest.requireActual<Record<string, unknown>>(join(__dirname, file))).filter(
      (value): value is MigrationClass => typeof value === 'function',
    );
    expect(exported).toHaveLength(1);
    const [klass] = exported;
    const [, timestamp, name] = FILE_PATTERN.exec(file) ?? [];
    expect(klass.name).toBe(`${name}${timestamp}`);
    expect(migrations).toContain(klass);
  });

  it('lists exactly one class per migration file (no stale entries)', () => {
    expect(migrations).toHaveLength(migrationFiles.length);
    expect(new Set(migrations).size).toBe(migrations.length);
    const listedTimestamps = migrations.map((klass) => String(timestampOf(klass))).sort();
    const fileTimestamps = migrationFiles.map((file) => file.slice(0, 13)).sort();
    expect(listedTimestamps).toEqual(fileTimestamps);
  });

  it('lists migrations in timestamp order, with distinct timestamps', () => {
    const timestamps = migrations.map(timestampOf);
    expect(timestamps.every(Number.isFinite)).toBe(true);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    expect(new Set(timestamps).size).toBe(timestamps.length);
  });

  it.each(migrations.map((klass) => [klass.name, klass] as const))(
    '%s is reversible and carries its class name as `name`',
    (_name, klass) => {
      const instance = new klass();
      expect(instance.name).toBe(klass.name);
      expect(typeof instance.up).toBe('function');
      expect(typeof instance.down).toBe('function');
    },
  );
});
