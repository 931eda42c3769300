import Fastify from 'fastify';
import { installRouteHooks } from '../../../platform/route-hooks';
import { AuthError } from '../domain/auth.errors';
import type { PasswordHasher } from '../infra/password.hasher';
import { LoginShedding } from './login-shedding';

/** A pool that admits while `free` is positive, and counts what it gave back. */
function pool(free: number): { hasher: PasswordHasher; released: () => number } {
  let released = 0;
  const hasher = {
    admit: () => {
      if (free <= 0) return AuthError.busy();
      free -= 1;
      return () => {
        released += 1;
      };
    },
  } as unknown as PasswordHasher;
  return { hasher, released: () => released };
}

async function appWith(shedding: LoginShedding) {
  const app = Fastify();
  installRouteHooks(app, [(route) => shedding.hooksFor(route)]);
  app.post('/login', { config: { verifiesPassword: true } }, () => ({ ok: true }));
  app.post('/other', () => ({ ok: true }));
  await app.ready();
  return app;
}

describe('LoginShedding', () => {
  it('attaches its hook to the routes marked @VerifiesPassword() only', () => {
    const shedding = new LoginShedding(pool(1).hasher);
    expect(shedding.hooksFor({ method: 'POST', url: '/login', config: { verifiesPassword: true } })?.onRequest).toBeDefined();
    expect(shedding.hooksFor({ method: 'POST', url: '/other', config: {} })).toBeUndefined();
    expect(shedding.hooksFor({ method: 'GET', url: '/health/live' })).toBeUndefined();
  });

  it('admits a login while the pool has room and gives its place back when the response is over', async () => {
    const { hasher, released } = pool(1);
    const app = await appWith(new LoginShedding(hasher));
    expect((await app.inject({ method: 'POST', url: '/login', payload: {} })).statusCode).toBe(200);
    expect(released()).toBe(1);
    await app.close();
  });

  it('refuses a login the pool would refuse with 503 server_busy, and never touches other routes', async () => {
    const app = await appWith(new LoginShedding(pool(0).hasher));
    const shed = await app.inject({ method: 'POST', url: '/login', payload: {} });
    expect(shed.statusCode).toBe(503);
    expect(shed.json()).toMatchObject({ code: 'server_busy' });
    expect((await app.inject({ method: 'POST', url: '/other', payload: {} })).statusCode).toBe(200);
    await app.close();
  });
});
