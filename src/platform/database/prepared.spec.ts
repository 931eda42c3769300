import { DatabaseError } from 'pg';
import { type EntityManager, QueryFailedError } from 'typeorm';
import { preparedQuery } from './prepared';

type Query = (config: { name: string; text: string; values: unknown[] }) => Promise<{ rows: unknown[] }>;

/** An entity manager outside a transaction, whose pool answers with `query`. */
const outside = (query: Query) =>
  ({ queryRunner: undefined, connection: { driver: { master: { query } } } }) as unknown as EntityManager;

/** An entity manager in a transaction, whose connection answers with `query`. */
const inside = (query: Query) => ({ queryRunner: { connect: () => Promise.resolve({ query }) } }) as unknown as EntityManager;

describe('preparedQuery', () => {
  it('sends the statement by name with its values and returns its rows, in a transaction or not', async () => {
    for (const manager of [outside, inside]) {
      const sent: unknown[] = [];
      const rows = await preparedQuery(
        manager((config) => {
          sent.push(config);
          return Promise.resolve({ rows: [{ one: 1 }] });
        }),
        'one',
        'SELECT $1::int AS one',
        [1],
      );
      expect(rows).toEqual([{ one: 1 }]);
      expect(sent).toEqual([{ name: 'one', text: 'SELECT $1::int AS one', values: [1] }]);
    }
  });

  it('gives what PostgreSQL refuses as a QueryFailedError carrying the statement and the server error', async () => {
    const refused = Object.assign(new DatabaseError('duplicate key value violates unique constraint "x"', 100, 'error'), {
      code: '23505',
    });
    for (const manager of [outside, inside]) {
      const failure = await preparedQuery(
        manager(() => Promise.reject(refused)),
        'insert',
        'INSERT …',
        [1],
      ).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(QueryFailedError);
      expect(failure).toMatchObject({ query: 'INSERT …', parameters: [1], driverError: refused });
    }
  });

  it('passes a failure to reach PostgreSQL through as it is: an outage is not a bad statement', async () => {
    const unreachable = new Error('timeout exceeded when trying to connect');
    for (const manager of [outside, inside]) {
      await expect(
        preparedQuery(
          manager(() => Promise.reject(unreachable)),
          'read',
          'SELECT 1',
          [],
        ),
      ).rejects.toBe(unreachable);
    }
  });
});
