import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { liveConfig } from './live.config';
import { PgListener } from './pg-listener';
import { Streams } from './streams';

/** Live feeds' platform: the cross-instance fan-out (PostgreSQL LISTEN/NOTIFY) and the open streams. */
@Global()
@Module({
  imports: [ConfigModule.forFeature(liveConfig)],
  providers: [PgListener, Streams],
  exports: [PgListener, Streams],
})
export class LiveModule {}
