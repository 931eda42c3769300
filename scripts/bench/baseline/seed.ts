/**
 * Seeds the fresh database through the app's API: three users (reader, writer, login) with
 * their tokens, 40 projects of the reader's (two pages of 20), and the writer's keyed POST
 * that the replay scenario then replays.
 */
import { call, expectStatus } from './api';

export const PASSWORD = 'benchmark-passphrase-Vq8#2026';

/** A project POST body: what the write and replay scenarios send. */
export const POST_BODY = { name: 'Bench write' };

export interface Seed {
  /** This run's random id (in e-mails and idempotency keys). */
  run: string;
  emails: { reader: string; writer: string; login: string };
  tokens: Record<string, string>;
  /** The reader as the app knows them from their token (`sub`, `sid`): what the fastify-pg peer is told instead. */
  reader: { userId: string; sessionId: string };
  /** The writer, likewise (the peer's POSTs go to the writer's personal tenant, as the app's do). */
  writer: { userId: string; sessionId: string };
  /** The reader's first project: what the item scenarios GET. */
  item: { id: string; owner_id: string };
  itemPath: string;
  /** The key of the writer's POST that has been stored, so that it is answered as a replay. */
  replayKey: string;
}

export async function seedThroughApi(app: string, run: string): Promise<Seed> {
  const emails = {
    reader: `bench.reader.${run}@example.com`,
    writer: `bench.writer.${run}@example.com`,
    login: `bench.login.${run}@example.com`,
  };
  const tokens: Record<string, string> = {};
  for (const [role, email] of Object.entries(emails)) {
    expectStatus(
      `register ${role}`,
      await call(app, 'POST', '/api/v1/auth/register', { body: { email, password: PASSWORD } }),
      201,
    );
    const login = expectStatus(
      `login ${role}`,
      await call(app, 'POST', '/api/v1/auth/token', { body: { email, password: PASSWORD } }),
      200,
    );
    tokens[role] = (JSON.parse(login.text) as { access_token: string }).access_token;
  }
  let item: { id: string; owner_id: string } | undefined;
  for (let i = 0; i < 40; i++) {
    const created = await call(app, 'POST', '/api/v1/projects', {
      token: tokens.reader,
      body: { name: `Bench project ${i}`, description: `Seeded by the performance baseline (${i} of 40)` },
    });
    item ??= JSON.parse(expectStatus('seed project', created, 201).text) as { id: string; owner_id: string };
  }
  if (!item) throw new Error('no project was seeded');
  const replayKey = `bench-${run}-replayed`;
  const first = await call(app, 'POST', '/api/v1/projects', {
    token: tokens.writer,
    body: POST_BODY,
    headers: { 'idempotency-key': replayKey },
  });
  expectStatus('first keyed POST', first, 201);
  return {
    run,
    emails,
    tokens,
    reader: claimsOf(tokens.reader),
    writer: claimsOf(tokens.writer),
    item,
    itemPath: `/api/v1/projects/${item.id}`,
    replayKey,
  };
}

/** The user and session of an access token (its payload read, not verified: the bench issued it). */
export function claimsOf(token: string): { userId: string; sessionId: string } {
  const { sub, sid } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as {
    sub?: unknown;
    sid?: unknown;
  };
  if (typeof sub !== 'string' || typeof sid !== 'string') throw new Error('the access token has no sub or sid claim');
  return { userId: sub, sessionId: sid };
}

/** The query string that tells the fastify-pg peer who is asking (the reader, or the writer). */
export function peerCaller(seed: Seed, who: 'reader' | 'writer' = 'reader'): string {
  return new URLSearchParams({ user_id: seed[who].userId, session_id: seed[who].sessionId }).toString();
}
