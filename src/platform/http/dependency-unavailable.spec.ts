import { unavailableDependency } from './dependency-unavailable';

function pgError(code: string, message = 'error'): Error {
  return Object.assign(new Error(message), { code });
}

describe('unavailableDependency', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['the pool acquire timeout', new Error('timeout exceeded when trying to connect')],
    ['a connection the server ended', new Error('Connection terminated unexpectedly')],
    ['the client-side query timeout', new Error('Query read timeout')],
    ['a server shutting down (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['a server in recovery (57P03)', pgError('57P03', 'the database system is in recovery mode')],
    ['too many connections (53300)', pgError('53300')],
    ['a statement timeout (57014)', pgError('57014', 'canceling statement due to statement timeout')],
    ['a lock timeout (55P03)', pgError('55P03')],
    ['a connection exception (08006)', pgError('08006')],
  ])('the database, for %s', (_, error) => {
    expect(unavailableDependency(error)).toBe('database');
  });

  it('looks inside TypeORM wrappers and causes', () => {
    const wrapped = Object.assign(new Error('Query failed'), { driverError: pgError('57P01') });
    expect(unavailableDependency(wrapped)).toBe('database');
    expect(unavailableDependency(new Error('outer', { cause: new Error('Connection terminated') }))).toBe('database');
  });

  it('Redis, for ioredis refusals', () => {
    const maxRetries = Object.assign(new Error('Reached the max retries per request limit (which is 1).'), {
      name: 'MaxRetriesPerRequestError',
    });
    expect(unavailableDependency(maxRetries)).toBe('redis');
    expect(unavailableDependency(new Error('Connection is closed.'))).toBe('redis');
  });

  it.each([
    ['a unique violation', pgError('23505')],
    ['a syntax error', pgError('42601')],
    ['a plain bug', new TypeError('x is undefined')],
    ['a string', 'boom'],
    ['nothing', undefined],
  ])('nothing, for %s', (_, error) => {
    expect(unavailableDependency(error)).toBeUndefined();
  });

  it('stops at a cycle of causes', () => {
    const a: { cause?: unknown; message: string } = { message: 'a' };
    a.cause = a;
    expect(unavailableDependency(a)).toBeUndefined();
  });
});
