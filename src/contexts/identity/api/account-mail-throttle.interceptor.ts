import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { noteRateLimit, tooManyRequests } from '../../../platform/rate-limit';
import { normalizeEmail } from '../domain/email';
import { AccountMailThrottle } from '../infra/account-mail.throttle';
import { clientInfo } from './client-info';

/**
 * Counts a request that mails a link against its address and its client IP before the
 * handler runs: 429 `rate_limited` with the usual headers once a limit is used up, the same
 * answer for every address.
 */
@Injectable()
export class AccountMailThrottleInterceptor implements NestInterceptor {
  constructor(private readonly throttle: AccountMailThrottle) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return from(this.guarded(context, next));
  }

  private async guarded(context: ExecutionContext, next: CallHandler): Promise<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    // The address the link goes to: `email` (forgot, verification) or `new_email` (email change).
    const body = request.body as { email?: unknown; new_email?: unknown } | undefined;
    const rawEmail = body?.email ?? body?.new_email;
    const email = typeof rawEmail === 'string' ? normalizeEmail(rawEmail).slice(0, 320) : '';
    const decision = await this.throttle.attempt(clientInfo(request).ip, email);
    for (const observation of decision.observations) noteRateLimit(request, reply, observation);
    if (!decision.allowed) {
      throw tooManyRequests('rate_limited', 'Too many requests for this address. Try again later.', decision.retryAfterSeconds);
    }
    return lastValueFrom(next.handle(), { defaultValue: undefined });
  }
}
