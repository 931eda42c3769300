/** What only tests and scripts use from the identity context (the lint rule keeps it out of `src/`). */
export { AdminSeeder } from './infra/admin.seeder';
export { keyId } from './infra/jwt-keys';
export { thumbprint } from './jwt-keys.config';
export { SessionsService } from './sessions.service';
export { AccountRecoveryService } from './account-recovery.service';
export { AccountClosureService } from './account-closure.service';
export { PasswordHasher } from './infra/password.hasher';
export { type CounterKeys, PostgresCounters } from './infra/login-counters';
export { sharedRateLimiter } from './infra/rate-limiters';
export { AccessTokenVerifier } from './api/access-token.verifier';
export { MfaService } from './mfa.service';
export { Totp } from './infra/totp';
export { PasswordProof } from './password-proof';
export type { UserEntity } from './infra/user.entity';
