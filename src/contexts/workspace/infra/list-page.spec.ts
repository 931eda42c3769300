import type { EntityManager } from 'typeorm';
import { withinTenant } from '../../../platform/database/tenant-scope';
import { type ListTable, listPage } from './list-page';

const TENANT = '00000000-0000-4000-8000-000000000001';
const table: ListTable<{ id: string }> = {
  table: 'things',
  columns: ['id'],
  filterable: ['name', 'status'],
  toView: (row) => ({ id: row.id as string }),
};

/** A manager whose connection answers the page with `pageRows` rows and the count with `total`, and records what it was sent. */
function fakeManager(pageRows: number, total = 99) {
  const sent: { name: string; text: string; values: unknown[] }[] = [];
  const client = {
    query: (config: { name: string; text: string; values: unknown[] }) => {
      sent.push(config);
      const rows = config.name.includes('_count') ? [{ total }] : Array.from({ length: pageRows }, (_, i) => ({ id: `t${i}` }));
      return Promise.resolve({ rows });
    },
  };
  const manager = { queryRunner: { connect: () => Promise.resolve(client) } } as unknown as EntityManager;
  return { manager, sent };
}

const page = (m: EntityManager, criteria: Parameters<typeof listPage>[2], query = { page: 1, page_size: 20 }) =>
  withinTenant(TENANT, () => listPage(m, table, criteria, query));

describe('listPage', () => {
  it('sends one prepared statement per filter variant, the values apart from the text', async () => {
    const { manager, sent } = fakeManager(3);
    const result = await page(manager, {
      text: { column: 'name', value: "50%_o'k" },
      equals: { status: 'active', name: undefined },
    });
    expect(sent).toEqual([
      {
        name: 'things_page_qname_status',
        text:
          "SELECT id FROM things WHERE tenant_id = $1 AND name ILIKE $2 ESCAPE '\\' AND status = $3 " +
          'ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5',
        values: [TENANT, "%50\\%\\_o'k%", 'active', 20, 0],
      },
    ]);
    expect(result).toEqual({ items: [{ id: 't0' }, { id: 't1' }, { id: 't2' }], total: 3, page: 1, page_size: 20, pages: 1 });
  });

  it('counts as TypeORM does: only for a full page, or an offset page that came back empty', async () => {
    const full = fakeManager(20, 45);
    expect((await page(full.manager, {})).total).toBe(45);
    expect(full.sent.map((s) => s.name)).toEqual(['things_page', 'things_count']);

    const partial = fakeManager(5);
    expect((await page(partial.manager, {}, { page: 3, page_size: 20 })).total).toBe(45);
    expect(partial.sent).toHaveLength(1);

    const beyond = fakeManager(0, 45);
    expect((await page(beyond.manager, {}, { page: 9, page_size: 20 })).total).toBe(45);
    expect(beyond.sent.map((s) => s.name)).toEqual(['things_page', 'things_count']);
  });

  it('refuses a filter on a column the list does not declare', async () => {
    const { manager } = fakeManager(0);
    await expect(page(manager, { equals: { owner_id: 'x' } })).rejects.toThrow('things.owner_id is not a list filter');
  });
});
