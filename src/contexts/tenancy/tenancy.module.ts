import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '../identity';
import { AdminTenantsController } from './api/admin-tenants.controller';
import { InvitationsController } from './api/invitations.controller';
import { MembersController } from './api/members.controller';
import { TenantsController } from './api/tenants.controller';
import { AdminTenantsService } from './admin-tenants.service';
import { MembershipEntity } from './infra/membership.entity';
import { TenancyStore } from './infra/tenancy.store';
import { TenantInvitationEntity } from './infra/tenant-invitation.entity';
import { TenantEntity } from './infra/tenant.entity';
import { InvitationsService } from './invitations.service';
import { MembersService } from './members.service';
import { PersonalTenants } from './personal-tenants.service';
import { tenancyConfig } from './tenancy.config';
import { RateLimitStorageModule } from '../../platform/rate-limit';
import { TenancyPersonalData } from './tenancy.personal-data';
import { TenantRequests } from './infra/tenant-requests';
import { TenantResolver } from './tenant.resolver';
import { TenantScopes } from './tenant-scopes';
import { TenantUsage } from './tenant-usage.service';
import { TenantsService } from './tenants.service';

/**
 * Organisations (tenants) with members and roles, invitations to join them, every user's
 * personal tenant, platform admins' tenant operations, and `TenantResolver` for the routes of
 * tenant-owned data.
 */
@Module({
  imports: [
    ConfigModule.forFeature(tenancyConfig),
    TypeOrmModule.forFeature([TenantEntity, MembershipEntity, TenantInvitationEntity]),
    IdentityModule,
    RateLimitStorageModule,
  ],
  controllers: [TenantsController, MembersController, InvitationsController, AdminTenantsController],
  providers: [
    TenancyStore,
    PersonalTenants,
    TenantsService,
    MembersService,
    InvitationsService,
    AdminTenantsService,
    TenantResolver,
    TenantScopes,
    TenantRequests,
    TenantUsage,
    TenancyPersonalData,
  ],
  exports: [TenantResolver, TenantScopes],
})
export class TenancyModule {}
