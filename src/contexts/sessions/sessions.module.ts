import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RefreshTokenEntity } from './infra/refresh-token.entity';
import { SessionsMetrics } from './infra/sessions-metrics';
import { UserSessionEntity } from './infra/user-session.entity';
import { SessionsService } from './sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserSessionEntity, RefreshTokenEntity])],
  providers: [SessionsService, SessionsMetrics],
  exports: [SessionsService],
})
export class SessionsModule {}
