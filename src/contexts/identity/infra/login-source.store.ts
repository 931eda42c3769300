import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ClientInfo } from '../sessions.service';
import type { LoginSourceKind } from './login-source.entity';

function hashOf(kind: LoginSourceKind, value: string): string {
  return createHash('sha256').update(`${kind}:${value}`, 'utf8').digest('hex');
}

/** Remembers the IPs and user agents a user logged in from, and says which are new. */
@Injectable()
export class LoginSources {
  constructor(private readonly dataSource: DataSource) {}

  async remember(userId: string, client: ClientInfo, now: Date): Promise<Set<LoginSourceKind>> {
    const sources: [LoginSourceKind, string][] = [];
    if (client.ip) sources.push(['ip', client.ip]);
    if (client.userAgent) sources.push(['user_agent', client.userAgent]);
    if (sources.length === 0) return new Set();
    const values = sources.map((_, i) => `($1, $${i * 2 + 3}, $${i * 2 + 4}, $2, $2)`).join(', ');
    // `xmax = 0` is true for a row this statement inserted, false for one it updated.
    const rows = await this.dataSource.query<{ kind: LoginSourceKind; inserted: boolean }[]>(
      `INSERT INTO login_sources (user_id, kind, value_hash, first_seen_at, last_seen_at) VALUES ${values}
       ON CONFLICT (user_id, kind, value_hash) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at
       RETURNING kind, (xmax = 0) AS inserted`,
      [userId, now, ...sources.flatMap(([kind, value]) => [kind, hashOf(kind, value)])],
    );
    return new Set(rows.filter((row) => row.inserted).map((row) => row.kind));
  }
}
