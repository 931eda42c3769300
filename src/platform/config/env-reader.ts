/**
 * The one reader of environment variables, used by the platform's configuration and by every
 * context's own (`<context>.config.ts`). Framework-free. Each method returns the value, or the
 * fallback when the variable is unset or blank, and records a problem naming the variable when
 * it is invalid (never silently replacing it), so a start can report every problem at once.
 */
export interface EnvProblem {
  variable: string;
  message: string;
}

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: EnvProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'InvalidEnvironmentError';
  }
}

/**
 * The problems a configuration reader reports (it throws `InvalidEnvironmentError`); `[]` when
 * it accepts the input. Any other error passes through.
 */
export function collectProblems(read: () => unknown): EnvProblem[] {
  try {
    read();
    return [];
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
}

export type RawEnv = Record<string, string | undefined>;

/** `limit` events per `windowSeconds`, written `5/1m` in the environment. */
export interface Rate {
  limit: number;
  windowSeconds: number;
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
type DurationUnit = keyof typeof UNIT_SECONDS;

export class EnvReader {
  readonly problems: EnvProblem[] = [];

  constructor(readonly raw: RawEnv) {}

  /** Records a problem with `name` (a rule that spans several variables, a missing requirement). */
  problem(name: string, message: string): void {
    this.problems.push({ variable: name, message });
  }

  /** Throws one `InvalidEnvironmentError` with every problem recorded so far, if any. */
  throwIfInvalid(): void {
    if (this.problems.length > 0) throw new InvalidEnvironmentError(this.problems);
  }

  /** The trimmed value; undefined when unset or blank. */
  string(name: string): string | undefined {
    const value = this.raw[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** A value something else cannot do without (`is required when <because>`); '' when missing. */
  required(name: string, because: string): string {
    const value = this.string(name);
    if (value === undefined) this.problem(name, `is required when ${because}`);
    return value ?? '';
  }

  /** One of `allowed`; `ignoreCase` lower-cases the value first; the message lists them joined by `separator`. */
  enumOf<T extends string>(
    name: string,
    allowed: readonly T[],
    fallback: T,
    options: { ignoreCase?: boolean; separator?: string } = {},
  ): T {
    const raw = this.string(name);
    const value = options.ignoreCase ? raw?.toLowerCase() : raw;
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problem(name, `must be one of ${allowed.join(options.separator ?? '|')}, got "${value}"`);
    return fallback;
  }

  /** An integer (negative allowed) within [min, max]. */
  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.string(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value)) {
      this.problem(name, `must be an integer, got "${value}"`);
      return fallback;
    }
    return this.within(name, Number(value), fallback, min, max);
  }

  /** A non-negative whole number within [min, max]; the fallback may be `undefined` (optional setting). */
  wholeNumber<F extends number | undefined>(name: string, fallback: F, min: number, max: number): number | F {
    const value = this.string(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) {
      this.problem(name, `must be a whole number, got "${value}"`);
      return fallback;
    }
    return this.within(name, Number(value), fallback, min, max);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problem(name, `must be true or false, got "${value}"`);
    return fallback;
  }

  /** Seconds, from `90`, `90s`, `15m`, `12h` or `30d`, within [min, max] seconds. */
  duration(name: string, fallback: number, min: number, max: number): number {
    const value = this.string(name);
    if (value === undefined) return fallback;
    const match = /^(\d{1,9})\s*(s|m|h|d)?$/.exec(value);
    if (!match) {
      this.problem(name, `must be a duration like 900, 15m, 12h or 30d, got "${value}"`);
      return fallback;
    }
    const seconds = Number(match[1]) * UNIT_SECONDS[(match[2] ?? 's') as DurationUnit];
    if (seconds < min || seconds > max) {
      this.problem(name, `must be between ${min}s and ${max}s, got ${seconds}s`);
      return fallback;
    }
    return seconds;
  }

  /** A rate `N/duration`, e.g. `5/1m`, `100/15m`, `10/1h`. */
  rate(name: string, fallback: Rate, maxLimit = 1_000_000): Rate {
    const value = this.string(name);
    if (value === undefined) return fallback;
    const match = /^(\d{1,7})\s*\/\s*(\d{1,9})\s*(s|m|h|d)?$/.exec(value);
    const limit = match ? Number(match[1]) : 0;
    const windowSeconds = match ? Number(match[2]) * UNIT_SECONDS[(match[3] ?? 's') as DurationUnit] : 0;
    if (!match || limit < 1 || limit > maxLimit || windowSeconds < 1 || windowSeconds > 86400) {
      this.problem(name, `must be a rate like 5/1m or 100/15m (1..${maxLimit} per 1s..1d), got "${value}"`);
      return fallback;
    }
    return { limit, windowSeconds };
  }

  /** An ISO 8601 timestamp. */
  date(name: string): Date | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
      this.problem(name, `must be an ISO 8601 timestamp, got "${value}"`);
      return undefined;
    }
    return date;
  }

  /**
   * The base URL of an outside HTTP service: absolute http(s), no credentials (they belong in
   * their own variable); plain http only to a loopback host in production, since the request
   * carries something worth protecting (`carries` says what). Trailing slashes are dropped.
   * Returns the parsed URL, or `undefined` when it is not one (the problem is recorded).
   */
  serviceUrl(name: string, value: string, production: boolean, carries: string): URL | undefined {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      this.problem(name, `must be an absolute http(s) URL, got "${value}"`);
      return undefined;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      this.problem(name, `must be an http(s) URL, got "${parsed.protocol}"`);
    } else if (parsed.protocol === 'http:' && production && !isLoopback(parsed.hostname)) {
      this.problem(name, `must use https in production (${carries})`);
    }
    if (parsed.username || parsed.password) this.problem(name, 'must not carry credentials; put the token in its own variable');
    return parsed;
  }

  /** A URL with one of `protocols` (e.g. `['postgres:', 'postgresql:']`). */
  url(name: string, protocols: string[], message?: string): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) this.problem(name, message ?? `must use ${protocols.join(' or ')}`);
    } catch {
      this.problem(name, message ?? 'must be a valid URL');
    }
    return value;
  }

  private within<F>(name: string, n: number, fallback: F, min: number, max: number): number | F {
    if (n < min || n > max) {
      this.problem(name, `must be between ${min} and ${max}, got ${n}`);
      return fallback;
    }
    return n;
  }
}

/** `localhost`, `[::1]` or 127.x.x.x. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname);
}
