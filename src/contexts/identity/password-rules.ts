import { Inject, Injectable } from '@nestjs/common';
import type { FieldError } from '../../platform/http/problem';
import { AuthError } from './domain/auth.errors';
import { decidePassword, type PasswordDecision, screeningUnavailable } from './domain/breached-password';
import { checkPassword } from './domain/password-policy';
import { identityConfig, type IdentityConfig } from './identity.config';
import { BreachedPasswords } from './infra/breached-passwords';

/** Whose password it is: the policy refuses one that contains the address or the name. */
export interface PasswordOwner {
  email: string;
  displayName?: string | null;
}

/**
 * Every rule a new password must pass, in one place: the synchronous policy (length, strength,
 * not the owner's address or name), the caller's own extra failures, then the breached-password
 * screening (offline list, and the range provider when configured). Registration, password
 * change, reset and invitation acceptance all ask here.
 */
@Injectable()
export class PasswordRules {
  constructor(
    private readonly breached: BreachedPasswords,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  /** The decision, for callers that act on a refusal before throwing (e.g. publish an event). */
  async judge(password: string, owner: PasswordOwner, field = 'password', extra: FieldError[] = []): Promise<PasswordDecision> {
    const context = { email: owner.email, displayName: owner.displayName, minScore: this.config.passwordMinScore };
    const failures = [...checkPassword(password, context, field), ...extra];
    return decidePassword(failures, await this.breached.screen(password), field);
  }

  /** 400 `weak_password` with every failed rule, or 503 when the required screening cannot answer. */
  async assertAcceptable(password: string, owner: PasswordOwner, field = 'password', extra: FieldError[] = []): Promise<void> {
    throwUnlessAccepted(await this.judge(password, owner, field, extra));
  }
}

/** The refusal a decision stands for, if any. */
export function throwUnlessAccepted(decision: PasswordDecision): void {
  if (decision.kind === 'reject') throw AuthError.weakPassword(decision.failures);
  if (decision.kind === 'unverified') throw screeningUnavailable();
}
