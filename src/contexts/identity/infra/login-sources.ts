import { createHash } from 'node:crypto';
import type { ClientInfo } from '../sessions.service';
import type { LoginSourceKind } from './login-source.entity';

/** One place a user signs in from, as `login_sources` keeps it: the kind and a hash of the value. */
export interface LoginSource {
  kind: LoginSourceKind;
  valueHash: string;
}

/**
 * The sources of a sign-in from `client` (its IP and its user agent, each when known), hashed:
 * the table keeps no address or user agent. The sign-in's statement (`SessionStore.start`)
 * inserts them or touches them, and says which were new (suspicious-login telemetry).
 */
export function loginSourcesOf(client: ClientInfo): LoginSource[] {
  const sources: LoginSource[] = [];
  if (client.ip) sources.push({ kind: 'ip', valueHash: hashOf('ip', client.ip) });
  if (client.userAgent) sources.push({ kind: 'user_agent', valueHash: hashOf('user_agent', client.userAgent) });
  return sources;
}

function hashOf(kind: LoginSourceKind, value: string): string {
  return createHash('sha256').update(`${kind}:${value}`, 'utf8').digest('hex');
}
