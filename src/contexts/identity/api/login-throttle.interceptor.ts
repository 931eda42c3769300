import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { EventBus } from '../../../platform/events';
import { DomainError } from '../../../platform/http/problem';
import { noteRateLimit } from '../../../platform/rate-limit';
import { AuthError } from '../domain/auth.errors';
import { normalizeEmail } from '../domain/email';
import { type AttemptOutcome, LoginThrottle } from '../infra/login-throttle';
import { PasswordHasher } from '../infra/password.hasher';
import { clientInfo } from './client-info';

/**
 * Wraps the login route with the failed-login throttle (after shedding logins the argon2 pool
 * would refuse anyway, with 503 `server_busy`): an attempt is counted before the
 * handler runs (429 `too_many_attempts` once a limit is used up), kept when it ends in 401,
 * and given back when it succeeded or was not a password check at all (a 400, a 429
 * lockout, a 5xx).
 */
@Injectable()
export class LoginThrottleInterceptor implements NestInterceptor {
  constructor(
    private readonly throttle: LoginThrottle,
    private readonly hasher: PasswordHasher,
    private readonly events: EventBus,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return from(this.guarded(context, next));
  }

  private async guarded(context: ExecutionContext, next: CallHandler): Promise<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const client = clientInfo(request);
    const rawEmail = (request.body as { email?: unknown } | undefined)?.email;
    const email = typeof rawEmail === 'string' ? normalizeEmail(rawEmail).slice(0, 320) : '';

    // A login the argon2 pool would refuse is shed here, before it costs the throttle's
    // round trips: under a flood, refused logins must be cheap or they starve everything else.
    this.hasher.refuseIfSaturated();
    const decision = await this.throttle.attempt(client.ip, email);
    for (const observation of decision.observations) noteRateLimit(request, reply, observation);
    if (!decision.allowed) {
      await this.events.publish('auth.login_throttled', {
        email,
        ip: client.ip,
        user_agent: client.userAgent,
        scope: decision.scope,
        retry_after: decision.retryAfterSeconds,
      });
      throw AuthError.tooManyAttempts(decision.retryAfterSeconds);
    }

    let outcome: AttemptOutcome = 'not_an_attempt';
    try {
      const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      outcome = 'succeeded';
      return result;
    } catch (error) {
      if (error instanceof DomainError && error.status === 401) outcome = 'failed';
      throw error;
    } finally {
      for (const observation of await this.throttle.settle(client.ip, email, outcome)) noteRateLimit(request, reply, observation);
    }
  }
}
