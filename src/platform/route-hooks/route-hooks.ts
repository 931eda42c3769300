import { Global, Injectable, Module } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import type {
  FastifyInstance,
  onRequestHookHandler,
  onSendHookHandler,
  preSerializationHookHandler,
  preValidationHookHandler,
  RouteOptions,
} from 'fastify';

/**
 * Hooks for the routes that need them, and no others. A global Fastify hook runs on every
 * request, the probes included, even when all it does is find out that it has nothing to do
 * there (and a phase with one hook costs its runner on every request). These are decided
 * once per route, when the route is registered, from what the route is: its method, its URL
 * template, its `config` (`@RouteConfig`).
 *
 * `preHandler` is not offered: the request context must be the last `preHandler` hook
 * (request-context.ts), and a route's own hooks run after the global ones.
 */
export interface RouteHooks {
  onRequest?: onRequestHookHandler;
  preValidation?: preValidationHookHandler;
  preSerialization?: preSerializationHookHandler<unknown>;
  onSend?: onSendHookHandler<unknown>;
}

const PHASES = ['onRequest', 'preValidation', 'preSerialization', 'onSend'] as const;

/** What a route is, as its hooks are decided: Fastify's route options when the route is registered. */
export type RouteShape = Pick<RouteOptions, 'method' | 'url' | 'config'>;

/** The hooks one concern attaches to `route`, or none. */
export type RouteScope = (route: RouteShape) => RouteHooks | undefined;

/** A provider that attaches hooks to the routes that need them (marked `@ScopesRouteHooks()`). */
export interface RouteHookProvider {
  hooksFor: RouteScope;
}

/** Marks a provider whose `hooksFor` the application consults for every route it registers. */
export const ScopesRouteHooks = DiscoveryService.createDecorator<void>();

/** The methods of `route` (Fastify allows one or several). */
export function methodsOf(route: RouteShape): readonly string[] {
  return Array.isArray(route.method) ? route.method : [route.method];
}

/**
 * Registers an `onRoute` hook that gives every route registered from now on the hooks the
 * `scopes` pick for it, in the scopes' order, before the route's own hooks of the same phase
 * (a route's hooks run after the global ones). Call it before the routes are registered
 * (Nest registers its routes in `app.init()`). A GET route's HEAD twin, which Fastify
 * registers itself, is a route of its own here: it gets what the scopes pick for HEAD.
 */
export function installRouteHooks(fastify: FastifyInstance, scopes: readonly RouteScope[]): void {
  fastify.addHook('onRoute', (route) => {
    const picked = scopes.map((scope) => scope(route)).filter((hooks) => hooks !== undefined);
    if (picked.length === 0) return;
    const options = route as unknown as Record<string, unknown>;
    for (const phase of PHASES) {
      const added = picked.flatMap((hooks) => (hooks[phase] ? [hooks[phase]] : []));
      if (added.length === 0) continue;
      const own = options[phase];
      // New arrays: Fastify's HEAD twin starts from a shallow copy of these options.
      options[phase] = [...added, ...(own === undefined ? [] : Array.isArray(own) ? (own as unknown[]) : [own])];
    }
  });
}

/** The route hooks of every provider marked `@ScopesRouteHooks()`, for `installRouteHooks`. */
@Injectable()
export class RouteHookProviders {
  constructor(private readonly discovery: DiscoveryService) {}

  scopes(): RouteScope[] {
    return this.discovery
      .getProviders({ metadataKey: ScopesRouteHooks.KEY })
      .flatMap((wrapper) => (wrapper.instance ? [wrapper.instance as RouteHookProvider] : []))
      .map((provider) => (route: RouteShape) => provider.hooksFor(route));
  }
}

@Global()
@Module({ imports: [DiscoveryModule], providers: [RouteHookProviders], exports: [RouteHookProviders] })
export class RouteHooksModule {}
