/** Public API of the auth context. */
export { AuthModule } from './auth.module';
export { AuthService, type UserView } from './auth.service';
export { JwtAuthGuard, OptionalJwtAuthGuard, Roles, RolesGuard, SessionRequired } from './api/guards';
export { CurrentUser, type AuthenticatedUser } from './api/authenticated-user';
export { AdminSeeder } from './infra/admin-seeder';
export { checkIdentitySettings } from './auth.config';
export { RequestPrincipal } from './api/request-principal';
export type { Role } from './infra/user.entity';
export { keyId } from './infra/jwt-keys';
