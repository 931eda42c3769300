import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../../../platform/http/early-refusal';
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
 * Sheds a login the argon2 pool would refuse in Fastify's first hook, before its body is read
 * and before Nest's pipeline: under a login flood the refusals (503 `server_busy`) are most of
 * the traffic, and each must cost a fraction of a served request or they starve everything
 * else. A login let through holds its place in the pool's capacity until its response is over
 * (`PasswordHasher.admit`), so no more logins get past this hook than the pool will take: a
 * burst is refused here, not after its throttle and account round trips. (`LoginThrottleInterceptor`
 * checks the pool again: other hashing, a registration's, may fill it meanwhile.)
 */
@Injectable()
export class LoginShedding implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly hasher: PasswordHasher,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter?.getType() !== 'fastify') return;
    adapter.getInstance<FastifyInstance>().addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.config?.verifiesPassword !== true) return done();
      const admitted = this.hasher.admit();
      if (admitted instanceof AuthError) return sendProblem(request, reply, admitted);
      // 'close' comes once the response is over, sent or cut off (light-my-request emits it too).
      reply.raw.once('close', admitted);
      done();
    });
  }
}
