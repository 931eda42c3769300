import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RefreshTokenEntity } from './infra/refresh-token.entity';
import { UserSessionEntity } from './infra/user-session.entity';
import { SessionsService } from './sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserSessionEntity, RefreshTokenEntity])],
  providers: [SessionsService],
  exports: [SessionsService],
})
export class SessionsModule {}
