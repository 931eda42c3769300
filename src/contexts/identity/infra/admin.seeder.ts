import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { platformConfig, type PlatformConfig } from '../../../platform/config';
import { EventBus } from '../../../platform/events';
import { identityConfig, type IdentityConfig } from '../identity.config';
import { AuthService } from '../auth.service';
import { UserEntity } from './user.entity';

export type SeedOutcome = 'created' | 'found' | 'skipped';

/**
 * Idempotent admin seed from ADMIN_EMAIL / ADMIN_PASSWORD, run at start and by
 * `npm run seed:admin`. In development with no password it generates one and prints it once.
 */
@Injectable()
export class AdminSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('Identity');

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly auth: AuthService,
    private readonly events: EventBus,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
    @Inject(platformConfig.KEY) private readonly platform: PlatformConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.seed();
  }

  async seed(): Promise<SeedOutcome> {
    // ADMIN_EMAIL and ADMIN_PASSWORD passed the configuration check (a real address, a password the policy accepts).
    const email = this.config.adminEmail;
    if (!email) {
      this.logger.log('ADMIN_EMAIL is not set: no admin seeded');
      return 'skipped';
    }
    const existing = await this.users.findOneBy({ email });
    if (existing) {
      if (existing.role !== 'admin') await this.users.update({ id: existing.id }, { role: 'admin' });
      this.logger.log(`Admin ${email} found (no change to its password)`);
      return 'found';
    }
    let password = this.config.adminPassword;
    const generated = password === undefined;
    if (password === undefined) {
      if (this.platform.appEnv === 'production') throw new Error('ADMIN_PASSWORD is required to seed the admin in production');
      password = randomBytes(18).toString('base64url');
    }
    const user = await this.auth.createUser(email, password, 'Administrator', 'admin').catch(async (error: unknown) => {
      // Another instance seeded it concurrently.
      if (await this.users.existsBy({ email })) return undefined;
      throw error;
    });
    if (!user) return 'found';
    this.logger.log(`Admin ${email} created`);
    if (generated) {
      // Printed once, outside the structured log, and never stored anywhere else.
      process.stdout.write(`\n  Admin account created: ${email}\n  Generated password (shown once): ${password}\n\n`);
    }
    await this.events.publish('auth.admin_seeded', { user_id: user.id, email, generated_password: generated });
    return 'created';
  }
}
