/** Group `login`: logins through the app next to raw argon2id verifications (the deliberate cost of a login). */
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
  return {
    id: 'login',
    slice: 2.5,
    settleMs: 1000,
    members: [verify, httpMember(ctx, 'login', 'POST /auth/token (login)', 'app', loginLoad(ctx, loginConnections), ['200'])],
  };
}
