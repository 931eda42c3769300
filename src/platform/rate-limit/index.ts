export { noteRateLimit, tooManyRequests, type RateLimitObservation } from './headers';
export { RateLimitModule } from './rate-limit.module';
export { RATE_LIMIT_TIERS, RateLimitTier, type RequestPrincipalResolver } from './rate-limit.guard';
export { FlexibleThrottlerStorage } from './flexible-throttler.storage';
export { RateLimitStorageModule } from './rate-limit.module';
