/** What only tests use from the tenancy context (the lint rule keeps it out of `src/`). */
export { TenantResolver } from './tenant.resolver';
export { PersonalTenants } from './personal-tenants.service';
export { TenancyPersonalData } from './tenancy.personal-data';
