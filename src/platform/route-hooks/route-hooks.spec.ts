import type { DiscoveryService } from '@nestjs/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { installRouteHooks, RouteHookProviders, type RouteHooks, type RouteScope } from './route-hooks';

declare module 'fastify' {
  interface FastifyContextConfig {
    traced?: boolean;
  }
}

/** Every hook a request ran, in order, in the `x-ran` response header. */
function ran(name: string): RouteHooks {
  return {
    onRequest: (request, _reply, done) => {
      (request as { ran?: string[] }).ran = [...((request as { ran?: string[] }).ran ?? []), `${name}:onRequest`];
      done();
    },
    onSend: (request, reply, payload, done) => {
      const before = (request as { ran?: string[] }).ran ?? [];
      void reply.header('x-ran', [...before, `${name}:onSend`].join(','));
      done(null, payload);
    },
  };
}

async function appWith(scopes: RouteScope[]): Promise<FastifyInstance> {
  const app = Fastify();
  app.addHook('onRequest', (request, _reply, done) => {
    (request as { ran?: string[] }).ran = ['global:onRequest'];
    done();
  });
  installRouteHooks(app, scopes);
  app.get('/traced', { config: { traced: true } }, () => ({ ok: true }));
  app.get('/plain', () => ({ ok: true }));
  app.post(
    '/own',
    {
      config: { traced: true },
      onSend: (_request, reply, payload, done) => {
        void reply.header('x-own', String(reply.getHeader('x-ran')));
        done(null, payload);
      },
    },
    () => ({ ok: true }),
  );
  await app.ready();
  return app;
}

const traced: RouteScope = (route) => (route.config?.traced === true ? ran('traced') : undefined);
const gets: RouteScope = (route) => (route.method === 'GET' || route.method === 'HEAD' ? ran('gets') : undefined);

describe('installRouteHooks', () => {
  it('gives a route the hooks its scopes pick for it, after the global ones, and no other route', async () => {
    const app = await appWith([traced]);
    const hit = await app.inject({ method: 'GET', url: '/traced' });
    expect(hit.headers['x-ran']).toBe('global:onRequest,traced:onRequest,traced:onSend');
    const missed = await app.inject({ method: 'GET', url: '/plain' });
    expect(missed.statusCode).toBe(200);
    expect(missed.headers['x-ran']).toBeUndefined();
    await app.close();
  });

  it('runs the scopes in their order, before the route’s own hooks of the same phase', async () => {
    const app = await appWith([gets, traced]);
    expect((await app.inject({ method: 'GET', url: '/traced' })).headers['x-ran']).toBe(
      'global:onRequest,gets:onRequest,traced:onRequest,traced:onSend',
    );
    const own = await app.inject({ method: 'POST', url: '/own' });
    expect(own.headers['x-own']).toBe('global:onRequest,traced:onRequest,traced:onSend');
    await app.close();
  });

  it('decides a GET route’s HEAD twin as a route of its own', async () => {
    const app = await appWith([gets]);
    const head = await app.inject({ method: 'HEAD', url: '/plain' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['x-ran']).toBe('global:onRequest,gets:onRequest,gets:onSend');
    expect((await app.inject({ method: 'POST', url: '/own' })).headers['x-ran']).toBeUndefined();
    await app.close();
  });

  it('leaves unmatched requests to the global hooks', async () => {
    const app = await appWith([gets, traced]);
    const missing = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-ran']).toBeUndefined();
    await app.close();
  });
});

describe('RouteHookProviders', () => {
  it('turns every provider discovery finds into a scope that asks it', () => {
    const asked: string[] = [];
    const provider = {
      hooksFor: (route: { url: string }) => {
        asked.push(route.url);
        return route.url === '/traced' ? ran('found') : undefined;
      },
    };
    const discovery = {
      getProviders: () => [{ instance: provider }, { instance: undefined }],
    } as unknown as DiscoveryService;
    const scopes = new RouteHookProviders(discovery).scopes();
    expect(scopes).toHaveLength(1);
    expect(scopes[0]({ method: 'GET', url: '/traced' })).toBeDefined();
    expect(scopes[0]({ method: 'GET', url: '/plain' })).toBeUndefined();
    expect(asked).toEqual(['/traced', '/plain']);
  });
});
