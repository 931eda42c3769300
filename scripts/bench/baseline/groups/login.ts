/**
 * Group `login`: logins through the app next to raw argon2id verifications (the deliberate cost of a
 * login), and next to the login at its best (the login-floor peer: the verification, HTTP, and with
 * or without the app's count of round trips to PostgreSQL; see login-floor.ts), and next to the same
 * login on the peer that also does the platform's per-request work (platform-floor.ts), and next to
 * that peer making the login of the app's own work without Nest (login-app-work.ts).
 */
import { LOGIN_ROUND_TRIP_COUNT } from '../login-floor';
import type { FromTarget } from '../targets';
import { type Group, type GroupContext, httpMember, loginLoad, type Member } from './group';

export function loginGroup(ctx: GroupContext): Group {
  const { verifyConcurrency, loginConnections } = ctx.sizing;
  const verify: Member = {
    id: 'argon2-verify',
    title: 'raw argon2id verify',
    server: 'argon2 (own process)',
    connections: verifyConcurrency,
    expected: ['verified'],
    cpuOf: 'argon2',
    run: async (seconds) => {
      const answer = await ctx.targets.argon2.ask(
        { type: 'verify', ms: seconds * 1000, concurrency: verifyConcurrency },
        (m): m is Extract<FromTarget, { type: 'verified' }> => m.type === 'verified',
      );
      return {
        latencies: answer.latencies,
        statuses: {
          verified: answer.latencies.length - answer.failures,
          ...(answer.failures ? { failed: answer.failures } : {}),
        },
        errors: 0,
        timeouts: 0,
        elapsedMs: answer.elapsedMs,
      };
    },
  };
  const floorLogin = (query: '' | '?round_trips=0' | '?work=app', floor = ctx.targets['login-floor']) => ({
    ...loginLoad(ctx, loginConnections, floor),
    url: floor.url(`/api/v1/auth/token${query}`),
  });
  return {
    id: 'login',
    slice: 2.5,
    settleMs: 1000,
    members: [
      verify,
      httpMember(ctx, 'login', 'POST /auth/token (login)', 'app', loginLoad(ctx, loginConnections), ['200']),
      httpMember(ctx, 'login-floor-http', 'login at its best: verify + HTTP', 'login-floor', floorLogin('?round_trips=0'), [
        '200',
      ]),
      httpMember(
        ctx,
        'login-floor',
        `login at its best: verify + HTTP + ${LOGIN_ROUND_TRIP_COUNT} round trips`,
        'login-floor',
        floorLogin(''),
        ['200'],
      ),
      httpMember(
        ctx,
        'login-platform-floor',
        `login at its best with the platform's per-request work: verify + HTTP + ${LOGIN_ROUND_TRIP_COUNT} round trips`,
        'login-floor-platform',
        floorLogin('', ctx.targets['login-floor-platform']),
        ['200'],
      ),
      {
        // The app's own code (TypeORM, its stores, its drainer): as long a warm-up as the app gets.
        warmAsApp: true,
        ...httpMember(
          ctx,
          'login-app-floor',
          "login at its best doing the app's own work (its statements, rows, audit append and token) and the platform's per-request work, without Nest",
          'login-floor-platform',
          floorLogin('?work=app', ctx.targets['login-floor-platform']),
          ['200'],
        ),
      },
    ],
  };
}
