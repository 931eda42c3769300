import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../../../platform/http/early-refusal';
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
 * else. (`LoginThrottleInterceptor` checks again: the pool may fill between the two.)
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
      const refusal = this.hasher.refusal();
      if (!refusal) return done();
      sendProblem(request, reply, refusal);
    });
  }
}
