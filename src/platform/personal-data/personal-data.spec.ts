import type { EntityManager } from 'typeorm';
import { type PersonalDataHolder, PersonalDataRegistry } from './personal-data';

const SUBJECT = { userId: 'u-1', email: 'jane@example.com' };
const MANAGER = {} as EntityManager;

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
  it("merges every holder's sections into one export", async () => {
    const registry = new PersonalDataRegistry();
    registry.register(holder('files', { files: [{ id: 'f' }] }));
    registry.register(holder('workspace', { projects: [{ id: 'p' }], community_posts: [] }));
    expect(await registry.exportFor(SUBJECT)).toEqual({ files: [{ id: 'f' }], projects: [{ id: 'p' }], community_posts: [] });
  });

  it('runs every erasure in the given transaction and reports counts by holder', async () => {
    const calls: string[] = [];
    const registry = new PersonalDataRegistry();
    registry.register(holder('files', {}, 2, calls));
    registry.register(holder('notifications', {}, 5, calls));
    expect(await registry.erase(SUBJECT, MANAGER)).toEqual({ files: 2, notifications: 5 });
    expect(calls).toEqual(['erase:files:jane@example.com:true', 'erase:notifications:jane@example.com:true']);
  });

  it('refuses a holder registered twice, and a section two holders produce', async () => {
    const registry = new PersonalDataRegistry();
    registry.register(holder('files', { files: [] }));
    expect(() => registry.register(holder('files', {}))).toThrow(/registered twice/);
    registry.register(holder('other', { files: [] }));
    await expect(registry.exportFor(SUBJECT)).rejects.toThrow(/"files" is produced twice/);
  });
});
