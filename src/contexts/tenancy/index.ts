/**
 * Public API of the tenancy context (tenants, memberships, roles): what other contexts and
 * `app.module.ts` use; tests: `testing.ts`. Tenant-owned routes import `TenancyModule`, run
 * their work in `TenantScopes.run(caller, …)` (caller: `@CurrentTenantCaller()`) and document the
 * header with `ApiTenantHeader()`.
 */
export { TenancyModule } from './tenancy.module';
export { parseTenancyConfig } from './tenancy.config';
export { TenantResolver, type ResolvedTenant, type TenantCaller } from './tenant.resolver';
export { TenantScopes, type TenantScope } from './tenant-scopes';
export { ApiTenantHeader, CurrentTenantCaller, tenantHeaderOf } from './api/tenant-header';
export { TENANT_HEADER } from './domain/tenancy.errors';
export type { TenantRole } from './domain/roles';
export type { TenantSettings } from './domain/settings';
export type { TenantQuotas } from './domain/quotas';
export type { TenantStatus } from './domain/tenant';
