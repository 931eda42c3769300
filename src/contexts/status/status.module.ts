import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { StatusController } from './api/status.controller';
import { StatusEventEntity } from './infra/status-event.entity';
import { StatusService } from './status.service';

@Module({
  imports: [TypeOrmModule.forFeature([StatusEventEntity]), AuthModule],
  controllers: [StatusController],
  providers: [StatusService],
  exports: [StatusService],
})
export class StatusModule {}
