import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { LightMyRequestResponse } from 'fastify';
import { Clock } from '../src/platform/clock';
import { createTestApp, type TestApp } from './support/app';
import { bearer, person, requestApiKey, requestRefresh, STRONG_PASSWORD, type Person } from './support/auth';
import { captureEvents, type EventCapture } from './support/events';
import { enableTotp, totpAt } from './support/mfa';
import { expectProblem } from './support/problem';
import { SoftAuthenticator } from './support/soft-authenticator';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MINUTE = 60_000;
/** REAUTH_MAX_AGE's default (10 minutes) and a moment past it. */
const MAX_AGE = 600;
const PAST_MAX_AGE = 11 * MINUTE;

const claimsOf = (jwt: string): Json => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Json;

/** A person for one route: whatever the route needs already in place (made while the sign-in is recent). */
interface Setup {
  who: Person;
  totpSecret?: string;
  authenticator?: SoftAuthenticator;
  passkeyId?: string;
}

/**
 * Step-up (docs/identity.md, "Step-up"): sensitive routes need a session that authenticated within
 * REAUTH_MAX_AGE — the access token's `auth_time` — and POST /auth/reauthenticate refreshes it.
 * "Old" is made by moving the server's clock past the maximum age.
 */
describe('step-up re-authentication (e2e)', () => {
  let t: TestApp;
  let published: EventCapture;

  beforeAll(async () => {
    t = await createTestApp();
    published = captureEvents(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  /**
   * Moves the server's clock `ms` ahead of the real one and holds it there (token expiry keeps
   * real time: the token stays valid); the moved time.
   */
  function clockAhead(ms: number): number {
    const moved = Date.now() + ms;
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(moved));
    return moved;
  }

  const call = (method: 'POST' | 'DELETE', url: string, token: string, payload?: object): Promise<LightMyRequestResponse> =>
    t.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

  const reauthenticate = (token: string, proof: object): Promise<LightMyRequestResponse> =>
    call('POST', '/auth/reauthenticate', token, proof);

  async function withPasskey(who: Person): Promise<{ authenticator: SoftAuthenticator; passkeyId: string }> {
    const authenticator = new SoftAuthenticator();
    const options = await call('POST', '/auth/passkeys/registration/options', who.tokens.access_token);
    const created = await call('POST', '/auth/passkeys/registration', who.tokens.access_token, {
      response: authenticator.register(options.json<PublicKeyCredentialCreationOptionsJSON>()),
    });
    expect(created.statusCode).toBe(201);
    return { authenticator, passkeyId: created.json<Json>().id as string };
  }

  /**
   * Every sensitive route: how to set it up, how to call it with a token (`now`: the moved clock,
   * for codes and challenges), and the status it answers once the session is recent.
   */
  const ROUTES: {
    name: string;
    setup?: (who: Person) => Promise<Omit<Setup, 'who'>>;
    call: (token: string, s: Setup, now: number) => Promise<LightMyRequestResponse>;
    status: number;
  }[] = [
    {
      name: 'POST /auth/password',
      call: (token) =>
        call('POST', '/auth/password', token, { current_password: STRONG_PASSWORD, new_password: 'a-new-long-passphrase-77' }),
      status: 204,
    },
    {
      name: 'POST /auth/email/change',
      call: (token, s) =>
        call('POST', '/auth/email/change', token, { new_email: `moved.${s.who.email}`, current_password: STRONG_PASSWORD }),
      status: 202,
    },
    { name: 'POST /auth/mfa/totp/enroll', call: (token) => call('POST', '/auth/mfa/totp/enroll', token), status: 200 },
    {
      name: 'POST /auth/mfa/totp/disable',
      setup: async (who) => ({ totpSecret: (await enableTotp(t, who.tokens)).secret }),
      call: (token, s, now) =>
        call('POST', '/auth/mfa/totp/disable', token, { password: STRONG_PASSWORD, code: totpAt(s.totpSecret!, now) }),
      status: 204,
    },
    {
      name: 'POST /auth/passkeys/registration/options',
      call: (token) => call('POST', '/auth/passkeys/registration/options', token),
      status: 200,
    },
    {
      name: 'POST /auth/passkeys/registration',
      call: async (token) => {
        const options = await call('POST', '/auth/passkeys/registration/options', token);
        // Refused before any body is looked at when not recent (then there are no options either).
        const response =
          options.statusCode === 200
            ? new SoftAuthenticator().register(options.json<PublicKeyCredentialCreationOptionsJSON>())
            : { id: 'x' };
        return call('POST', '/auth/passkeys/registration', token, { response });
      },
      status: 201,
    },
    {
      name: 'DELETE /auth/passkeys/{id}',
      setup: async (who) => withPasskey(who),
      call: (token, s) => call('DELETE', `/auth/passkeys/${s.passkeyId}`, token),
      status: 204,
    },
    {
      name: 'POST /auth/api-keys',
      call: (token) => requestApiKey(t, { authorization: `Bearer ${token}` }, { name: 'deploy' }),
      status: 201,
    },
    {
      name: 'DELETE /auth/me',
      call: (token) => call('DELETE', '/auth/me', token, { current_password: STRONG_PASSWORD }),
      status: 202,
    },
  ];

  it.each(ROUTES)('$name: 401 reauthentication_required when the sign-in is old, done after re-authenticating', async (route) => {
    const who = await person(t, 'step-up');
    const setup: Setup = { who, ...(route.setup ? await route.setup(who) : {}) };
    const now = clockAhead(PAST_MAX_AGE);

    const refused = await route.call(who.tokens.access_token, setup, now);
    const problem = expectProblem(refused, 401, 'reauthentication_required');
    expect(problem.max_age).toBe(MAX_AGE);
    expect(refused.headers['www-authenticate']).toBe(
      `Bearer realm="bastion", error="insufficient_user_authentication", max_age=${MAX_AGE}`,
    );

    const again = await reauthenticate(who.tokens.access_token, { password: STRONG_PASSWORD });
    expect(again.statusCode).toBe(200);
    const fresh = again.json<Json>();
    expect(fresh).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(claimsOf(fresh.access_token as string).auth_time).toBe(Math.floor(now / 1000));

    const done = await route.call(fresh.access_token as string, setup, now);
    expect({ status: done.statusCode, body: done.statusCode === route.status ? '' : done.body }).toEqual({
      status: route.status,
      body: '',
    });
  });

  it('access tokens carry auth_time; a refresh keeps it, a re-authentication moves it for the whole session', async () => {
    const who = await person(t, 'step-up-claims');
    const signedInAt = claimsOf(who.tokens.access_token).auth_time as number;
    expect(Math.abs(signedInAt - Date.now() / 1000)).toBeLessThan(60);

    const later = clockAhead(PAST_MAX_AGE);
    const refreshed = await requestRefresh(t, who.tokens.refresh_token);
    expect(refreshed.statusCode).toBe(200);
    const afterRefresh = refreshed.json<Json>();
    expect(claimsOf(afterRefresh.access_token as string).auth_time).toBe(signedInAt);
    expectProblem(
      await call('POST', '/auth/mfa/totp/enroll', afterRefresh.access_token as string),
      401,
      'reauthentication_required',
    );

    published.clear();
    const again = await reauthenticate(afterRefresh.access_token as string, { password: STRONG_PASSWORD });
    expect(again.statusCode).toBe(200);
    expect(published.payloadsOf('auth.reauthenticated')).toEqual([
      expect.objectContaining({ user_id: who.id, method: 'password' }),
    ]);
    // The session remembers it: the next refresh's token is recent too.
    const next = await requestRefresh(t, afterRefresh.refresh_token as string);
    expect(claimsOf(next.json<Json>().access_token as string).auth_time).toBe(Math.floor(later / 1000));
    expect((await call('POST', '/auth/mfa/totp/enroll', next.json<Json>().access_token as string)).statusCode).toBe(200);
  });

  it('re-authenticates with a TOTP code, a recovery code or a passkey', async () => {
    const who = await person(t, 'step-up-factors');
    const { secret, recoveryCodes } = await enableTotp(t, who.tokens);
    const { authenticator, passkeyId } = await withPasskey(who);
    const now = clockAhead(PAST_MAX_AGE);
    const token = who.tokens.access_token;

    const byTotp = await reauthenticate(token, { totp_code: totpAt(secret, now) });
    expect(byTotp.statusCode).toBe(200);
    const byRecovery = await reauthenticate(token, { recovery_code: recoveryCodes[0] });
    expect(byRecovery.statusCode).toBe(200);

    const options = await call('POST', '/auth/reauthenticate/options', token);
    expect(options.statusCode).toBe(200);
    const request = options.json<PublicKeyCredentialRequestOptionsJSON>();
    expect(request.allowCredentials).toEqual([expect.objectContaining({ id: authenticator.credentials[0].id })]);
    published.clear();
    const passkey_response = authenticator.authenticate(request);
    const byPasskey = await reauthenticate(token, { passkey_response });
    expect(byPasskey.statusCode).toBe(200);
    expect(published.payloadsOf('auth.passkey_login_succeeded')).toEqual([
      expect.objectContaining({ passkey_id: passkeyId, stage: 'reauthentication' }),
    ]);
    // Its challenge is spent: the same answer again proves nothing.
    expectProblem(await reauthenticate(token, { passkey_response }), 400, 'passkey_challenge_invalid');
    // A discoverable sign-in's challenge is not a re-authentication's.
    const signInOptions = await t.inject({ method: 'POST', url: '/api/v1/auth/passkeys/authentication/options', payload: {} });
    const discoverable = authenticator.authenticate(signInOptions.json<PublicKeyCredentialRequestOptionsJSON>());
    expectProblem(await reauthenticate(token, { passkey_response: discoverable }), 400, 'passkey_challenge_invalid');
  });

  it('refuses a wrong proof (counted towards the lockout), none or two proofs, and API keys', async () => {
    const who = await person(t, 'step-up-wrong');
    const token = who.tokens.access_token;
    published.clear();
    expectProblem(await reauthenticate(token, { password: 'wrong-password-entirely' }), 400, 'invalid_current_password');
    expect(published.payloadsOf('auth.reauthentication_failed')).toEqual([
      expect.objectContaining({ user_id: who.id, method: 'password' }),
    ]);
    const [{ failed_count }] = await t.db.query<{ failed_count: number }>(
      'SELECT failed_count FROM login_lockouts WHERE user_id = $1',
      [who.id],
    );
    expect(Number(failed_count)).toBe(1);
    expectProblem(await reauthenticate(token, { totp_code: '123456' }), 400, 'invalid_mfa_code');
    expectProblem(await reauthenticate(token, {}), 400, 'validation_failed');
    expectProblem(await reauthenticate(token, { password: STRONG_PASSWORD, totp_code: '123456' }), 400, 'validation_failed');
    expectProblem(await call('POST', '/auth/reauthenticate/options', token), 409, 'no_passkeys');

    const created = await requestApiKey(t, bearer(who.tokens), { name: 'ci' });
    expect(created.statusCode).toBe(201);
    const byKey = { authorization: `ApiKey ${created.json<Json>().key as string}` };
    expectProblem(
      await t.inject({
        method: 'POST',
        url: '/api/v1/auth/reauthenticate',
        headers: byKey,
        payload: { password: STRONG_PASSWORD },
      }),
      403,
      'session_required',
    );
    expectProblem(await requestApiKey(t, byKey, { name: 'from a key' }), 403, 'session_required');
  });

  it('locks the account after enough wrong passwords, like failed logins', async () => {
    const who = await person(t, 'step-up-lock');
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 20; i++) {
      last = await reauthenticate(who.tokens.access_token, { password: `wrong-${i}-password-guess` });
      if (last.statusCode === 429) break;
    }
    expectProblem(last!, 429, 'too_many_attempts');
    // Locked: even the right password waits for the cooldown.
    expectProblem(await reauthenticate(who.tokens.access_token, { password: STRONG_PASSWORD }), 429, 'too_many_attempts');
  });
});
