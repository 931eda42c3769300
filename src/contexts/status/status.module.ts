import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '../identity';
import { StatusController } from './api/status.controller';
import { StatusEventEntity } from './infra/status-event.entity';
import { StatusFeed } from './status.feed';
import { StatusService } from './status.service';

@Module({
  imports: [TypeOrmModule.forFeature([StatusEventEntity]), IdentityModule],
  controllers: [StatusController],
  providers: [StatusService, StatusFeed],
  exports: [StatusService],
})
export class StatusModule {}
