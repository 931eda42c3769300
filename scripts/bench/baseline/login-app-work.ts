/**
 * A login made of the app's own work and nothing else: the pieces `AuthService.login` calls for
 * a password login without a second factor, called here one after the other without Nest (no
 * module, guard, interceptor, pipe, validation, event bus or exception filter). The failed-login
 * throttle's two counters (`LoginThrottle`, on PostgreSQL), the user read with its lockout row
 * (`readLoginSubject`), the verification against the user's stored hash, the sign-in statement
 * (`SessionStore.signIn`: last login, session, first refresh token, sources), the session's and the
 * sign-in's audit rows appended together by the app's `AuditDrainer`, the throttle's settlement, and
 * the access token signed by the app's `TokenService`. Same statements, same rows, same indexes as
 * the app's login: what the login floor (login-floor.ts, `?work=app`) costs when it records what a
 * Bastion login must record.
 */
import { randomUUID } from 'node:crypto';
import { Counter, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import {
  AuditDrainer,
  auditDraftFor,
  AuditMetrics,
  EmailPseudonyms,
  parseAuditConfig,
} from '../../../src/contexts/audit/testing';
import type { parseIdentityConfig } from '../../../src/contexts/identity';
import {
  JwtCodec,
  JwtKeyring,
  LoginThrottle,
  loginSourcesOf,
  newRefreshToken,
  normalizeEmail,
  readLoginSubject,
  RefreshTokenEntity,
  SessionStore,
  TokenService,
  UserEntity,
  UserSessionEntity,
} from '../../../src/contexts/identity/testing';
import { dataSourceOptions } from '../../../src/platform/database/data-source-options';
import type { RedisConnection } from '../../../src/platform/redis/redis.module';

type IdentityConfig = ReturnType<typeof parseIdentityConfig>;

export interface LoginClient {
  ip: string | null;
  userAgent: string | null;
}

export interface AppLoginWork {
  /** A password login as the app makes it: the token pair, or null for a wrong password or an unknown email. */
  login(email: string, password: string, client: LoginClient, verify: (hash: string) => Promise<boolean>): Promise<object | null>;
  close(): Promise<void>;
}

export async function appLoginWork(
  url: string,
  poolSize: number,
  identity: IdentityConfig,
  connection: { options?: string },
): Promise<AppLoginWork> {
  const options = dataSourceOptions(url, poolSize);
  const dataSource = new DataSource({
    ...options,
    entities: [UserEntity, UserSessionEntity, RefreshTokenEntity],
    migrations: [],
    extra: { ...(options.extra as object), application_name: 'bastion-bench-login-floor', ...connection },
  });
  await dataSource.initialize();
  const users = dataSource.getRepository(UserEntity);
  // No Redis client: the counters in PostgreSQL, as the app measured beside it keeps them.
  const throttle = new LoginThrottle({ client: null } as unknown as RedisConnection, dataSource, identity);
  const sessions = new SessionStore(
    dataSource,
    dataSource.getRepository(UserSessionEntity),
    dataSource.getRepository(RefreshTokenEntity),
  );
  const tokens = new TokenService(new JwtCodec(new JwtKeyring(identity.jwtKeys), identity), identity);
  const registry = new Registry();
  const metrics = {
    counter: (c: object) => new Counter({ ...c, registers: [registry] } as never),
    gauge: (g: object) => new Gauge({ ...g, registers: [registry] } as never),
  };
  const audit = parseAuditConfig(process.env);
  const drainer = new AuditDrainer(dataSource, new AuditMetrics(metrics as never), audit);
  const [chain] = await dataSource.query<{ pseudonym_key: string }[]>('SELECT pseudonym_key FROM audit_chain WHERE id = 1');
  const pseudonyms = new EmailPseudonyms(audit.pseudonymKey ?? chain.pseudonym_key);

  return {
    async login(rawEmail, password, client, verify) {
      const email = normalizeEmail(rawEmail);
      const throttled = await throttle.attempt(client.ip, email);
      if (!throttled.allowed) throw new Error('the login floor was throttled');
      const { signingIn } = await readLoginSubject(users, email);
      if (!signingIn || !(await verify(signingIn.user.passwordHash))) {
        await throttle.settle(client.ip, email, 'failed');
        return null;
      }
      const { user } = signingIn;
      const now = new Date();
      const { token: refreshToken, hash: tokenHash } = newRefreshToken();
      const session = {
        id: randomUUID(),
        userId: user.id,
        now,
        expiresAt: new Date(now.getTime() + identity.sessionMaxLifetime * 1000),
        ip: client.ip,
        userAgent: client.userAgent,
        tokenHash,
      };
      const signedIn = await sessions.signIn(session, {
        at: now,
        sources: loginSourcesOf(client),
        passwordChangedAt: user.passwordChangedAt,
      });
      if (!signedIn) throw new Error('the login floor lost its sign-in');
      const context = { requestId: randomUUID(), ip: client.ip, userAgent: client.userAgent, userId: null };
      const facts = {
        'sessions.started': { session_id: session.id, user_id: user.id, ip: client.ip, user_agent: client.userAgent },
        'auth.login_succeeded': {
          user_id: user.id,
          session_id: session.id,
          ip: client.ip,
          user_agent: client.userAgent,
          rehashed: false,
        },
      };
      // Handed over together, as the app's `events.batch` does: one append for both rows.
      await Promise.all(
        Object.entries(facts).map(([type, fact]) => drainer.appendDirect(auditDraftFor(type, fact, context, now, pseudonyms)!)),
      );
      await throttle.settle(client.ip, email, 'succeeded');
      const access = tokens.issue({ sub: user.id, sid: session.id, role: signedIn.role, authTime: now });
      return { ...access, refresh_token: refreshToken };
    },
    async close() {
      await drainer.beforeApplicationShutdown();
      await dataSource.destroy();
    },
  };
}
