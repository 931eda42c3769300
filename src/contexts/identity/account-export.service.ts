import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { PersonalDataRegistry } from '../../platform/personal-data';
import { AuthError } from './domain/auth.errors';
import { UserEntity } from './infra/user.entity';
import { toUserView, type UserView } from './user-view';

export const EXPORT_FORMAT = 'bastion.personal-data-export.v1';

/** The export document (docs/identity.md and `PersonalDataExportDto` describe every section). */
export interface PersonalDataExport {
  format: typeof EXPORT_FORMAT;
  generated_at: string;
  user: UserView;
  mfa: { enabled: boolean; enabled_at: string | null; recovery_codes_remaining: number };
  sessions: Record<string, unknown>[];
  api_keys: Record<string, unknown>[];
  login_sources: Record<string, unknown>[];
  [section: string]: unknown;
}

function iso(value: unknown): string | null {
  return value instanceof Date ? value.toISOString() : null;
}

/**
 * Everything Bastion holds about a user, as one JSON document: identity's own records
 * (profile, sessions, API key metadata, MFA status, sign-in sources) and every other
 * context's, from the personal-data holders they register.
 */
@Injectable()
export class AccountExportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly holders: PersonalDataRegistry,
    private readonly clock: Clock,
  ) {}

  async exportFor(userId: string): Promise<PersonalDataExport> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: userId });
    if (!user) throw AuthError.unauthenticated();
    const [sessions, apiKeys, mfa, sources, sections] = await Promise.all([
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT id, created_at, last_used_at, expires_at, ip, user_agent, revoked_at, revoked_reason
           FROM user_sessions WHERE user_id = $1 ORDER BY created_at, id`,
        [userId],
      ),
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT id, name, prefix, created_at, last_used_at, expires_at, revoked_at
           FROM api_keys WHERE user_id = $1 ORDER BY created_at, id`,
        [userId],
      ),
      this.dataSource.query<{ enabled_at: Date | null; remaining: string }[]>(
        `SELECT m.enabled_at,
                (SELECT count(*) FROM mfa_recovery_codes c WHERE c.user_id = $1 AND c.used_at IS NULL) AS remaining
           FROM user_mfa m WHERE m.user_id = $1`,
        [userId],
      ),
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT kind, first_seen_at, last_seen_at FROM login_sources WHERE user_id = $1 ORDER BY first_seen_at, kind`,
        [userId],
      ),
      this.holders.exportFor({ userId, email: user.email }),
    ]);
    const factor = mfa[0];
    return {
      format: EXPORT_FORMAT,
      generated_at: this.clock.now().toISOString(),
      user: toUserView(user),
      mfa: {
        enabled: Boolean(factor?.enabled_at),
        enabled_at: iso(factor?.enabled_at),
        recovery_codes_remaining: factor?.enabled_at ? Number(factor.remaining) : 0,
      },
      sessions: sessions.map((s) => ({
        ...s,
        created_at: iso(s.created_at),
        last_used_at: iso(s.last_used_at),
        expires_at: iso(s.expires_at),
        revoked_at: iso(s.revoked_at),
      })),
      api_keys: apiKeys.map((k) => ({
        ...k,
        created_at: iso(k.created_at),
        last_used_at: iso(k.last_used_at),
        expires_at: iso(k.expires_at),
        revoked_at: iso(k.revoked_at),
      })),
      login_sources: sources.map((s) => ({ ...s, first_seen_at: iso(s.first_seen_at), last_seen_at: iso(s.last_seen_at) })),
      ...sections,
    };
  }
}
