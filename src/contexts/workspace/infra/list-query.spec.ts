import { listConditions } from './list-query';

describe('listConditions', () => {
  it('yields the text filter first, escaped for LIKE, then each defined equality, with any placeholder', () => {
    const conditions = listConditions({ text: { column: 'title', value: 'a_b%' }, equals: { status: 'open', kind: undefined } });
    expect(conditions.map((c) => [c.key, c.value, c.sql(`t.${c.column}`, `:f_${c.key}`)])).toEqual([
      ['qtitle', '%a\\_b\\%%', "t.title ILIKE :f_qtitle ESCAPE '\\'"],
      ['status', 'open', 't.status = :f_status'],
    ]);
    expect(conditions.map((c) => c.sql(c.column, '$2'))).toEqual(["title ILIKE $2 ESCAPE '\\'", 'status = $2']);
  });

  it('yields nothing for an empty text filter or no criteria', () => {
    expect(listConditions({ text: { column: 'title', value: '' } })).toEqual([]);
    expect(listConditions({})).toEqual([]);
  });
});
