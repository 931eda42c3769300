import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '../identity';
import { TenancyModule } from '../tenancy';
import { TenantAuditController } from './api/tenant-audit.controller';
import { AdminLogsController } from './api/admin-logs.controller';
import { AuditController } from './api/audit.controller';
import { auditConfig } from './audit.config';
import { AuditFeed } from './infra/audit.feed';
import { AdminSocket } from './api/admin-socket';
import { AuditStreamController } from './api/audit-stream.controller';
import { AuditService } from './audit.service';
import { AuditChainEntity } from './infra/audit-chain.entity';
import { AuditEventEntity } from './infra/audit-event.entity';
import { AuditDrainer } from './infra/audit.drainer';
import { AuditMetrics } from './infra/audit.metrics';
import { AuditOutboxEntity } from './infra/audit-outbox.entity';
import { AuditSubscriber } from './infra/audit.listener';
import { auditPseudonymsProvider } from './infra/audit-pseudonyms';
import { AuditPersonalData } from './audit.personal-data';

/**
 * The audit trail: every audited domain event becomes a row of one hash chain, stamped with the
 * request id, client IP and user agent of the request that published it (the request context
 * the platform's `preHandler` hook makes current, `platform/http/request-context.ts`).
 */
@Module({
  imports: [
    ConfigModule.forFeature(auditConfig),
    TypeOrmModule.forFeature([AuditEventEntity, AuditChainEntity, AuditOutboxEntity]),
    IdentityModule,
    TenancyModule,
  ],
  controllers: [AuditController, AdminLogsController, TenantAuditController, AuditStreamController],
  providers: [
    AuditService,
    AuditDrainer,
    AuditSubscriber,
    AuditMetrics,
    AuditFeed,
    AdminSocket,
    auditPseudonymsProvider,
    AuditPersonalData,
  ],
  exports: [AuditService, AuditFeed],
})
export class AuditModule {}
