import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../http/problem';
import type { ThrottlerCount } from './throttler-counters';

/** One limit's standing after this request counted against it. */
export interface RateLimitObservation {
  /** Policy name as sent in `RateLimit-Policy` (e.g. `ip`, `token`, `login`). */
  policy: string;
  limit: number;
  remaining: number;
  /** When the current window ends (epoch ms). */
  resetAt: number;
  windowSeconds: number;
}

/** The throttler's count of a request against one tier (`ThrottlerCounters.increment`), for the headers. */
export function throttlerObservation(policy: string, limit: number, ttlMs: number, count: ThrottlerCount): RateLimitObservation {
  return {
    policy,
    limit,
    remaining: Math.max(0, limit - count.totalHits),
    resetAt: Date.now() + (count.isBlocked ? count.timeToBlockExpire : count.timeToExpire) * 1000,
    windowSeconds: Math.ceil(ttlMs / 1000),
  };
}

const OBSERVED = Symbol('bastion.rateLimits');
type Observed = FastifyRequest & { [OBSERVED]?: RateLimitObservation[] };

/**
 * Records a limit the request counted against and (re)writes the rate-limit headers: the
 * `X-RateLimit-*` trio and the IETF `RateLimit` field describe the tightest limit (fewest
 * remaining, then latest reset); `RateLimit-Policy` lists every policy that applied.
 */
export function noteRateLimit(request: FastifyRequest, reply: FastifyReply, observation: RateLimitObservation): void {
  const observed = ((request as Observed)[OBSERVED] ??= []);
  const existing = observed.findIndex((o) => o.policy === observation.policy);
  if (existing >= 0) observed[existing] = observation;
  else observed.push(observation);
  const tightest = observed.reduce((a, b) =>
    b.remaining < a.remaining || (b.remaining === a.remaining && b.resetAt > a.resetAt) ? b : a,
  );
  const resetIn = Math.max(0, Math.ceil((tightest.resetAt - Date.now()) / 1000));
  void reply.headers({
    'x-ratelimit-limit': String(tightest.limit),
    'x-ratelimit-remaining': String(tightest.remaining),
    'x-ratelimit-reset': String(Math.ceil(tightest.resetAt / 1000)),
    'ratelimit-policy': observed.map((o) => `"${o.policy}";q=${o.limit};w=${o.windowSeconds}`).join(', '),
    ratelimit: `"${tightest.policy}";r=${tightest.remaining};t=${resetIn}`,
  });
}

/** 429 problem with `Retry-After` (seconds) and the same number as `retry_after` in the body. */
export function tooManyRequests(code: string, detail: string, retryAfterSeconds: number): DomainError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new DomainError(code, 429, detail, {
    headers: { 'retry-after': String(seconds) },
    extensions: { retry_after: seconds },
  });
}
