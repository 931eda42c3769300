import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../../platform/clock';
import { identityConfig, type IdentityConfig } from '../identity.config';
import {
  breachVerdict,
  type BreachVerdict,
  isListed,
  parseRangeResponse,
  type ProviderAnswer,
} from '../domain/breached-password';
import { type BreachedPasswordProviderFailure, AuthMetrics } from './auth.metrics';
import { breachedPasswordList } from './breached-password-list';

/** Prefixes kept (each ~35 KB for a real range answer, so at most ~4.5 MB); the oldest goes first. */
export const RANGE_CACHE_MAX_PREFIXES = 128;
/** How long a prefix's answer is trusted (the corpus changes over weeks, not minutes). */
export const RANGE_CACHE_TTL_MS = 10 * 60_000;

const USER_AGENT = 'bastion-breached-password-check';

/** A range lookup that got no usable answer; `reason` labels the metric. */
class ProviderFailure extends Error {
  constructor(readonly reason: BreachedPasswordProviderFailure) {
    super(`breached-password provider: ${reason}`);
  }
}

interface CachedRange {
  /** `:SUFFIX:SUFFIX:...:`, the suffixes seen with a count above zero (one string: compact, `includes` is fast). */
  hits: string;
  expiresAt: number;
}

/**
 * Breached-password screening: the offline list (always), then, when `BREACHED_PASSWORD_API_URL`
 * is set, the k-anonymity range API: only the first 5 hex characters of the password's SHA-1
 * leave the process, with `Add-Padding: true` so the answer's size tells nothing either.
 * Answers are cached per prefix (bounded, with a TTL) and concurrent lookups of one prefix
 * share a request. Neither the password nor its hash is ever logged.
 */
@Injectable()
export class BreachedPasswords {
  private readonly logger = new Logger('Identity');
  private readonly list = breachedPasswordList();
  private readonly cache = new Map<string, CachedRange>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
    private readonly metrics: AuthMetrics,
    private readonly clock: Clock,
  ) {}

  /** On the offline list? (Synchronous; no provider.) */
  isListedOffline(password: string): boolean {
    return isListed(password, this.list);
  }

  /** The verdict for a candidate password: offline list first, then the provider (skipped when the list already says breached). */
  async screen(password: string): Promise<BreachVerdict> {
    const { policy } = this.config.breachedPasswords;
    if (this.isListedOffline(password)) return breachVerdict(true, 'not_configured', policy);
    return breachVerdict(false, await this.askProvider(password), policy);
  }

  private async askProvider(password: string): Promise<ProviderAnswer> {
    const { apiUrl, policy } = this.config.breachedPasswords;
    if (apiUrl === undefined) return 'not_configured';
    const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const prefix = sha1.slice(0, 5);
    try {
      const hits = await this.range(apiUrl, prefix);
      return hits.includes(`:${sha1.slice(5)}:`) ? 'found' : 'not_found';
    } catch (error) {
      const reason = error instanceof ProviderFailure ? error.reason : 'network';
      this.metrics.breachedPasswordProviderFailed(reason);
      this.logger.warn(
        `Breached-password provider gave no answer (${reason}); BREACHED_PASSWORD_POLICY=${policy}: ` +
          (policy === 'fail_open' ? 'password screened by the offline list only' : 'password refused for now (503)'),
      );
      return 'failed';
    }
  }

  /** The cached hits of a prefix, else one request for it (shared by concurrent callers). */
  private async range(apiUrl: string, prefix: string): Promise<string> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(prefix);
    if (cached && cached.expiresAt > now) {
      // Most recently used goes last: eviction takes the first.
      this.cache.delete(prefix);
      this.cache.set(prefix, cached);
      return cached.hits;
    }
    if (cached) this.cache.delete(prefix);
    let pending = this.inFlight.get(prefix);
    if (!pending) {
      pending = this.fetchRange(apiUrl, prefix).finally(() => this.inFlight.delete(prefix));
      this.inFlight.set(prefix, pending);
    }
    const hits = await pending;
    this.remember(prefix, hits);
    return hits;
  }

  private remember(prefix: string, hits: string): void {
    this.cache.delete(prefix);
    this.cache.set(prefix, { hits, expiresAt: this.clock.now().getTime() + RANGE_CACHE_TTL_MS });
    while (this.cache.size > RANGE_CACHE_MAX_PREFIXES) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }

  private async fetchRange(apiUrl: string, prefix: string): Promise<string> {
    let body: string;
    try {
      const response = await fetch(`${apiUrl}/range/${prefix}`, {
        headers: { 'Add-Padding': 'true', 'User-Agent': USER_AGENT, Accept: 'text/plain' },
        // Covers the body too: a server that stalls mid-answer times out the same way.
        signal: AbortSignal.timeout(this.config.breachedPasswords.timeoutMs),
      });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new ProviderFailure('bad_status');
      }
      body = await response.text();
    } catch (error) {
      if (error instanceof ProviderFailure) throw error;
      const name = (error as { name?: unknown } | null)?.name;
      throw new ProviderFailure(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network');
    }
    const hits = parseRangeResponse(body);
    if (!hits) throw new ProviderFailure('malformed');
    return `:${[...hits].join(':')}:`;
  }
}
