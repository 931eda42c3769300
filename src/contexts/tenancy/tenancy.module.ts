import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '../identity';
import { AdminTenantsController } from './api/admin-tenants.controller';
import { MembersController } from './api/members.controller';
import { TenantsController } from './api/tenants.controller';
import { AdminTenantsService } from './admin-tenants.service';
import { MembershipEntity } from './infra/membership.entity';
import { TenancyStore } from './infra/tenancy.store';
import { TenantInvitationEntity } from './infra/tenant-invitation.entity';
import { TenantEntity } from './infra/tenant.entity';
import { MembersService } from './members.service';
import { PersonalTenants } from './personal-tenants.service';
import { TenancyPersonalData } from './tenancy.personal-data';
import { TenantResolver } from './tenant.resolver';
import { TenantsService } from './tenants.service';

/**
 * Organisations (tenants) with members and roles, every user's personal tenant, platform
 * admins' tenant operations, and `TenantResolver` for the routes of tenant-owned data.
 */
@Module({
  imports: [TypeOrmModule.forFeature([TenantEntity, MembershipEntity, TenantInvitationEntity]), IdentityModule],
  controllers: [TenantsController, MembersController, AdminTenantsController],
  providers: [
    TenancyStore,
    PersonalTenants,
    TenantsService,
    MembersService,
    AdminTenantsService,
    TenantResolver,
    TenancyPersonalData,
  ],
  exports: [TenantResolver],
})
export class TenancyModule {}
