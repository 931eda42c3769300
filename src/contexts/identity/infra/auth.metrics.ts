import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { type DomainEvent, OnDomainEvent } from '../../../platform/events';
import { Metrics } from '../../../platform/observability';

/** Why the breached-password range provider gave no answer. */
export type BreachedPasswordProviderFailure = 'timeout' | 'network' | 'bad_status' | 'malformed';

/** Login counters, fed by the auth context's own events; and the breached-password provider's failures. */
@Injectable()
export class AuthMetrics {
  private readonly successes: Counter;
  private readonly failures: Counter<'reason'>;
  private readonly lockouts: Counter;
  private readonly breachedPasswordProviderFailures: Counter<'reason'>;

  constructor(metrics: Metrics) {
    this.successes = metrics.counter({ name: 'auth_login_success_total', help: 'Successful password logins.' });
    this.failures = metrics.counter({
      name: 'auth_login_failures_total',
      help: 'Refused logins: wrong credentials (by reason), throttled, or blocked by a lockout.',
      labelNames: ['reason'],
    });
    this.lockouts = metrics.counter({
      name: 'auth_account_lockouts_total',
      help: 'Accounts (emails) locked after repeated failures.',
    });
    this.breachedPasswordProviderFailures = metrics.counter({
      name: 'breached_password_provider_failures_total',
      help: 'Breached-password range lookups that got no usable answer (timeout, network, bad_status, malformed).',
      labelNames: ['reason'],
    });
  }

  /** Called by the breached-password screening (not an event: nothing else cares about it). */
  breachedPasswordProviderFailed(reason: BreachedPasswordProviderFailure): void {
    this.breachedPasswordProviderFailures.inc({ reason });
  }

  @OnDomainEvent('auth.login_succeeded')
  succeeded(): void {
    this.successes.inc();
  }

  @OnDomainEvent('auth.login_failed')
  failed(event: DomainEvent<'auth.login_failed'>): void {
    this.failures.inc({ reason: event.reason });
  }

  @OnDomainEvent('auth.login_throttled')
  throttled(): void {
    this.failures.inc({ reason: 'throttled' });
  }

  @OnDomainEvent('auth.login_blocked')
  blocked(): void {
    this.failures.inc({ reason: 'locked' });
  }

  @OnDomainEvent('auth.account_locked')
  locked(): void {
    this.lockouts.inc();
  }
}
