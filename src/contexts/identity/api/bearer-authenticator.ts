import { Inject, Injectable } from '@nestjs/common';
import { identityConfig, type IdentityConfig } from '../identity.config';
import { MfaService } from '../mfa.service';
import { AccessTokenVerifier } from './access-token.verifier';
import type { AuthenticatedUser } from './authenticated-user';

/**
 * Authentication outside Nest's guards (a WebSocket, whose token arrives in a subprotocol or
 * the first message): the same verification as `JwtAuthGuard` (signature, claims, live session)
 * and the same admin rule as `RolesGuard` (`MFA_REQUIRED_FOR_ADMINS`).
 */
@Injectable()
export class BearerAuthenticator {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly mfa: MfaService,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  /** The session behind an access token, if the token is valid and its session live. */
  authenticate(accessToken: string): Promise<AuthenticatedUser | undefined> {
    return this.verifier.verify(accessToken);
  }

  /** Whether `user` may use admin routes (admin role, and MFA on when admins are required to have it). */
  async mayAdminister(user: AuthenticatedUser): Promise<boolean> {
    if (user.role !== 'admin') return false;
    return !this.config.mfa.requiredForAdmins || (await this.mfa.isEnabled(user.id));
  }
}
