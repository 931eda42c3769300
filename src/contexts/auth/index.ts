/** Public API of the auth context (what other contexts and `app.module.ts` use; tests and scripts: `testing.ts`). */
export { AuthModule } from './auth.module';
export { AuthService } from './auth.service';
export { JwtAuthGuard, OptionalJwtAuthGuard, Roles, RolesGuard } from './api/guards';
export { CurrentUser, type AuthenticatedUser } from './api/authenticated-user';
export { checkIdentitySettings } from './auth.config';
export { RequestPrincipal } from './api/request-principal';
export type { Role } from './infra/user.entity';
