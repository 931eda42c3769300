import { Injectable } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { sendProblem } from '../../../platform/http/early-refusal';
import { type RouteHookProvider, type RouteHooks, type RouteShape, ScopesRouteHooks } from '../../../platform/route-hooks';
import { AuthError } from '../domain/auth.errors';
import { PasswordHasher } from '../infra/password.hasher';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route verifies a password: refused with 503 in `onRequest` while the argon2 pool is full. */
    verifiesPassword?: boolean;
  }
}

/** Marks a route whose requests hash a password (see `LoginShedding`). */
export const VerifiesPassword = (): MethodDecorator => RouteConfig({ verifiesPassword: true });

/**
 * Sheds a login the argon2 pool would refuse in its route's `onRequest` hook (after the platform's
 * global ones), before its body is read and before Nest's pipeline: under a login flood the
 * refusals (503 `server_busy`) are most of the traffic, and each must cost a fraction of a served
 * request or they starve everything else. A login let through holds its place in the pool's
 * capacity until its response is over (`PasswordHasher.admit`), so no more logins get past this
 * hook than the pool will take: a burst is refused here, not after its throttle and account round
 * trips. (`LoginThrottleInterceptor` checks the pool again: other hashing, a registration's, may
 * fill it meanwhile.)
 */
@Injectable()
@ScopesRouteHooks()
export class LoginShedding implements RouteHookProvider {
  private readonly hooks: RouteHooks = {
    onRequest: (request, reply, done) => {
      const admitted = this.hasher.admit();
      if (admitted instanceof AuthError) return sendProblem(request, reply, admitted);
      // 'close' comes once the response is over, sent or cut off (light-my-request emits it too).
      reply.raw.once('close', admitted);
      done();
    },
  };

  constructor(private readonly hasher: PasswordHasher) {}

  /** The routes marked `@VerifiesPassword()`, and only those, get the shedding hook. */
  hooksFor(route: RouteShape): RouteHooks | undefined {
    return route.config?.verifiesPassword === true ? this.hooks : undefined;
  }
}
