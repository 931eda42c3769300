import type { DiscoveryService } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../http/problem';
import { type PersonalDataHolder, PersonalDataRegistry } from './personal-data';

const SUBJECT = { userId: 'u-1', email: 'jane@example.com' };
const QUERIES: string[] = [];
const MANAGER = {
  query: (sql: string) => {
    QUERIES.push(sql);
    return Promise.resolve([]);
  },
} as unknown as EntityManager;

/** A registry whose discovery finds these instances (as Nest finds the providers marked `@HoldsPersonalData()`). */
function registryOf(...found: unknown[]): PersonalDataRegistry {
  const discovery = { getProviders: () => found.map((instance) => ({ instance })) } as unknown as DiscoveryService;
  return new PersonalDataRegistry(discovery);
}

function holder(name: string, sections: Record<string, unknown[]>, erased = 0, calls: string[] = []): PersonalDataHolder {
  return {
    name,
    exportFor: (subject) => {
      calls.push(`export:${name}:${subject.userId}`);
      return Promise.resolve(sections);
    },
    erase: (subject, manager) => {
      calls.push(`erase:${name}:${subject.email}:${manager === MANAGER}`);
      return Promise.resolve(erased);
    },
  };
}

describe('PersonalDataRegistry', () => {
  it('registers every holder discovery finds when the modules start', async () => {
    const registry = registryOf(holder('files', { files: [] }), holder('workspace', { projects: [] }));
    registry.onModuleInit();
    expect(await registry.exportFor(SUBJECT)).toEqual({ files: [], projects: [] });
  });

  it("merges every holder's sections into one export", async () => {
    const registry = registryOf();
    registry.register(holder('files', { files: [{ id: 'f' }] }));
    registry.register(holder('workspace', { projects: [{ id: 'p' }], community_posts: [] }));
    expect(await registry.exportFor(SUBJECT)).toEqual({ files: [{ id: 'f' }], projects: [{ id: 'p' }], community_posts: [] });
  });

  it('runs every erasure in the given transaction and reports counts by holder', async () => {
    const calls: string[] = [];
    const registry = registryOf();
    registry.register(holder('files', {}, 2, calls));
    registry.register(holder('notifications', {}, 5, calls));
    QUERIES.length = 0;
    expect(await registry.erase(SUBJECT, MANAGER)).toEqual({ files: 2, notifications: 5 });
    expect(calls).toEqual(['erase:files:jane@example.com:true', 'erase:notifications:jane@example.com:true']);
    // A user's data is in many tenants: the erasure's transaction opens them all (docs/tenancy.md).
    expect(QUERIES).toEqual([`SELECT set_config('app.all_tenants', 'on', true)`]);
  });

  it('erases a deleted tenant through every holder that holds tenant data, in the given transaction', async () => {
    const registry = registryOf();
    const erased: string[] = [];
    registry.register(holder('workspace', {}));
    registry.register({
      ...holder('files', {}),
      eraseTenant: (tenantId, manager) => {
        erased.push(`${tenantId}:${manager === MANAGER}`);
        return Promise.resolve(3);
      },
    });
    QUERIES.length = 0;
    expect(await registry.eraseTenant('t-1', MANAGER)).toBe(3);
    expect(erased).toEqual(['t-1:true']);
    expect(QUERIES).toEqual([`SELECT set_config('app.all_tenants', 'on', true)`]);
  });

  it('asks every holder whether the account may close, and answers the first objection', async () => {
    const registry = registryOf();
    registry.register(holder('files', {}));
    expect(await registry.closureRefusal(SUBJECT)).toBeNull();
    const objection = new DomainError('last_owner', 409, 'Make another member owner first.');
    registry.register({ ...holder('tenancy', {}), refuseClosure: () => Promise.resolve(objection) });
    expect(await registry.closureRefusal(SUBJECT)).toBe(objection);
  });

  it('refuses a holder registered twice, and a section two holders produce', async () => {
    const registry = registryOf();
    registry.register(holder('files', { files: [] }));
    expect(() => registry.register(holder('files', {}))).toThrow(/registered twice/);
    registry.register(holder('other', { files: [] }));
    await expect(registry.exportFor(SUBJECT)).rejects.toThrow(/"files" is produced twice/);
  });
});
