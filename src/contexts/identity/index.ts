/**
 * Public API of the identity context (accounts, login, sessions, MFA, API keys): what other
 * contexts and `app.module.ts` use; tests and scripts: `testing.ts`.
 */
export { IdentityModule } from './identity.module';
export { AuthService } from './auth.service';
export { JwtAuthGuard, OptionalJwtAuthGuard, Roles, RolesGuard } from './api/guards';
export { CurrentUser, type AuthenticatedUser } from './api/authenticated-user';
export { parseIdentityConfig } from './identity.config';
export { parseWebAuthnConfig } from './webauthn.config';
export { RequestPrincipal } from './api/request-principal';
export { BearerAuthenticator } from './api/bearer-authenticator';
export type { Role } from './infra/user.entity';
