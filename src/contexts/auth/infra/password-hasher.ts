import { Inject, Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { platformConfig, type PlatformConfig } from '../../../platform/config';
import { type Argon2Params, needsRehash } from '../domain/argon2-params';

/** argon2id with explicit parameters from config (OWASP minimum: m=19 MiB, t=2, p=1). */
@Injectable()
export class PasswordHasher {
  private readonly params: Argon2Params;
  private dummy: Promise<string> | undefined;

  constructor(@Inject(platformConfig.KEY) config: PlatformConfig) {
    this.params = config.auth.argon2;
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.params.memoryKib,
      timeCost: this.params.timeCost,
      parallelism: this.params.parallelism,
    });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spends the same work as a real verification, so unknown emails take as long as wrong passwords. */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= this.hash('bastion-dummy-password-for-timing');
    await this.verify(await this.dummy, password);
    return false;
  }

  needsRehash(hash: string): boolean {
    return needsRehash(hash, this.params);
  }
}
