import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  normalizeIp,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Rate, RateLimitSettings } from '../config';
import { platformConfig, type PlatformConfig } from '../config';
import { isOperationsPath } from '../http/operations-path';
import { noteRateLimit, throttlerObservation, tooManyRequests } from './headers';

/** Routes with a tier of their own (on top of the per-IP and per-user tiers). */
export const RATE_LIMIT_TIERS = ['register', 'token', 'refresh'] as const;
export type RateLimitTier = (typeof RATE_LIMIT_TIERS)[number];

const TIER_KEY = 'bastion:rate-limit-tier';

const isRouteTier = (name: string | undefined): boolean => (RATE_LIMIT_TIERS as readonly (string | undefined)[]).includes(name);

/** Puts a route under one of the tighter tiers, limited per client IP. */
export const RateLimitTier = (tier: RateLimitTier): MethodDecorator => SetMetadata(TIER_KEY, tier);

/**
 * Resolves the authenticated user of a request for the per-user tier, before the route's
 * own guards run (global guards run first). Provided by the auth context.
 */
export interface RequestPrincipalResolver {
  userIdOf(request: FastifyRequest): Promise<string | undefined>;
}

const toThrottler = (name: string, rate: Rate, extra: Partial<ThrottlerOptions> = {}): ThrottlerOptions => ({
  name,
  limit: rate.limit,
  ttl: rate.windowSeconds * 1000,
  // Keys are per tier and tracker, not per route: the IP and user budgets span the whole API.
  generateKey: (_context, tracker) => `${name}:${tracker}`,
  ...extra,
});

/** The tiers of `@nestjs/throttler`, from configuration. */
export function throttlerOptions(settings: RateLimitSettings, principal: RequestPrincipalResolver): ThrottlerModuleOptions {
  const ip = (request: Record<string, unknown>): string => normalizeIp(String((request as unknown as FastifyRequest).ip));
  return {
    throttlers: [
      toThrottler('ip', settings.ip, { getTracker: ip }),
      toThrottler('user', settings.user, {
        // '' (anonymous) skips this tier; see RateLimitGuard.handleRequest.
        getTracker: async (request) => (await principal.userIdOf(request as unknown as FastifyRequest)) ?? '',
        skipIf: (context) => {
          const headers = context.switchToHttp().getRequest<FastifyRequest>().headers;
          return !(headers.authorization || headers['x-api-key']);
        },
      }),
      ...RATE_LIMIT_TIERS.map((tier) =>
        // Only on the routes marked with this tier: RateLimitGuard's per-handler plan.
        toThrottler(tier, settings[tier], { getTracker: ip }),
      ),
    ],
  };
}

/**
 * `ThrottlerGuard` with Bastion's wire format: standard and IETF rate-limit headers on every
 * limited response (epoch-second reset), and a problem+json 429 with `retry_after`.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(platformConfig.KEY) private readonly config: PlatformConfig,
  ) {
    super(options, storage, reflector);
  }

  /** Per route handler: the throttlers that may apply to it (the IP and user tiers, and its own tier if any). */
  private readonly plans = new WeakMap<object, ThrottlerOptions[]>();

  /** Off by configuration, outside HTTP, and for the probes and the metrics scrape (never limited). */
  skips(context: ExecutionContext): boolean {
    return (
      !this.config.rateLimit.enabled ||
      context.getType() !== 'http' ||
      isOperationsPath(context.switchToHttp().getRequest<FastifyRequest>().url)
    );
  }

  /** `RateLimitGate`'s decision, for this guard used on its own (always a promise, as `ThrottlerGuard`'s). */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    return this.skips(context) || this.throttle(context);
  }

  /**
   * The tiers of one request that the limits do not skip: `ThrottlerGuard.canActivate` with the
   * route's throttlers worked out once per handler instead of on every request (it reads six
   * metadata keys per throttler per request, for overrides Bastion does not use: no
   * `@Throttle()`/`@SkipThrottle()`); the tiers count in the configured order and the first
   * refusal ends the request.
   */
  async throttle(context: ExecutionContext): Promise<boolean> {
    for (const throttler of this.planFor(context.getHandler())) {
      if (throttler.skipIf?.(context)) continue;
      const ttl = throttler.ttl as number;
      await this.handleRequest({
        context,
        limit: throttler.limit as number,
        ttl,
        throttler,
        blockDuration: (throttler.blockDuration as number | undefined) ?? ttl,
        getTracker: throttler.getTracker ?? this.commonOptions.getTracker!,
        generateKey: throttler.generateKey ?? this.commonOptions.generateKey!,
      });
    }
    return true;
  }

  private planFor(handler: object): ThrottlerOptions[] {
    let plan = this.plans.get(handler);
    if (!plan) {
      const tier = Reflect.getMetadata(TIER_KEY, handler) as RateLimitTier | undefined;
      plan = this.throttlers.filter((t) => !isRouteTier(t.name) || t.name === tier);
      this.plans.set(handler, plan);
    }
    return plan;
  }

  protected override async handleRequest({
    context,
    limit,
    ttl,
    throttler,
    blockDuration,
    getTracker,
    generateKey,
  }: Parameters<ThrottlerGuard['handleRequest']>[0]): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const tracker = await getTracker(request, context);
    if (tracker === '') return true;
    const name = throttler.name ?? 'default';
    const record = await this.storageService.increment(generateKey(context, tracker, name), ttl, limit, blockDuration, name);
    noteRateLimit(request, reply, throttlerObservation(name, limit, ttl, record));
    if (record.isBlocked) {
      throw tooManyRequests('rate_limited', 'Too many requests. Slow down and retry later.', record.timeToBlockExpire);
    }
    return true;
  }
}

/**
 * The global guard. A request the limits skip (see `RateLimitGuard.skips`: the probes, the
 * metrics scrape, limits turned off) is let through synchronously, so Nest has no promise to
 * await for it; every other request goes through `RateLimitGuard`'s tiers.
 */
@Injectable()
export class RateLimitGate implements CanActivate {
  constructor(private readonly guard: RateLimitGuard) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.guard.skips(context) || this.guard.throttle(context);
  }
}
