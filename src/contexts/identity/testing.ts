/** What only tests and scripts use from the identity context (the lint rule keeps it out of `src/`). */
export { AdminSeeder } from './infra/admin.seeder';
export { keyId } from './infra/jwt-keys';
export { thumbprint } from './jwt-keys.config';
export { newRefreshToken, SessionsService } from './sessions.service';
export { AccountRecoveryService } from './account-recovery.service';
export { AccountClosureService } from './account-closure.service';
export { PasswordHasher } from './infra/password.hasher';
export { type CounterKeys, PostgresCounters } from './infra/login-counters';
export { sharedRateLimiter } from './infra/rate-limiters';
export { AccessTokenVerifier } from './api/access-token.verifier';
export { MfaService } from './mfa.service';
export { Totp } from './infra/totp';
export { PasswordProof } from './password-proof';
export { UserEntity } from './infra/user.entity';
// The benchmark's login floor with the app's own work (scripts/bench/baseline/login-app-work.ts).
export { LoginThrottle } from './infra/login-throttle';
export { readLoginSubject } from './infra/signing-in-user';
export { SessionStore } from './infra/session.store';
export { loginSourcesOf } from './infra/login-sources';
export { normalizeEmail } from './domain/email';
export { TokenService } from './infra/token.service';
export { JwtCodec, JwtKeyring } from './infra/jwt-keys';
export { UserSessionEntity } from './infra/user-session.entity';
export { RefreshTokenEntity } from './infra/refresh-token.entity';
