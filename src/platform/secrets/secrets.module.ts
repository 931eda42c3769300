import { Global, Module } from '@nestjs/common';
import { currentResolution } from './resolve-secrets';
import { SecretsRefresher } from './secrets.refresher';

/**
 * The refresher of the secrets `resolveSecrets` filled in at start-up (main.ts and the e2e
 * harness resolve `process.env` before creating the app). Global: any context may subscribe.
 */
@Global()
@Module({
  providers: [{ provide: SecretsRefresher, useFactory: () => new SecretsRefresher(currentResolution()) }],
  exports: [SecretsRefresher],
})
export class SecretsModule {}
