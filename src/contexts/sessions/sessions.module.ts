import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RefreshTokenEntity } from './infra/refresh-token.entity';
import { SessionStore } from './infra/session.store';
import { SessionsMetrics } from './infra/sessions-metrics';
import { UserSessionEntity } from './infra/user-session.entity';
import { sessionsConfig } from './sessions.config';
import { SessionsService } from './sessions.service';

@Module({
  imports: [ConfigModule.forFeature(sessionsConfig), TypeOrmModule.forFeature([UserSessionEntity, RefreshTokenEntity])],
  providers: [SessionStore, SessionsService, SessionsMetrics],
  exports: [SessionsService],
})
export class SessionsModule {}
