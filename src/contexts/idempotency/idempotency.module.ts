import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { idempotencyConfig } from './idempotency.config';
import { IdempotencyService } from './idempotency.service';
import { IdempotencyPersonalData } from './idempotency.personal-data';
import { IdempotencyKeyEntity } from './infra/idempotency-key.entity';

/**
 * Global, so that `@Idempotent()` works on any context's controller without importing this
 * module: the interceptor it applies is instantiated in the controller's module and only
 * needs `IdempotencyService`, exported here.
 */
@Global()
@Module({
  imports: [ConfigModule.forFeature(idempotencyConfig), TypeOrmModule.forFeature([IdempotencyKeyEntity])],
  providers: [IdempotencyService, IdempotencyPersonalData],
  exports: [IdempotencyService],
})
export class IdempotencyModule {}
