import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from './support/app';
import { bearer, person, requestToken, STRONG_PASSWORD, type Person } from './support/auth';
import { settled } from './support/eventually';
import { captureEvents, type EventCapture } from './support/events';
import { expectProblem } from './support/problem';
import { enableTotp } from './support/mfa';
import { b64url, cbor, type CborValue, coseEs256, DEFAULT_ORIGIN, SoftAuthenticator } from './support/soft-authenticator';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A registration answer (attestation "none", user verified) for a new credential whose id is
 * `idBytes` long: the soft authenticator's ids are 32 bytes, as real ones mostly are.
 */
function registrationWithIdOf(idBytes: number, options: PublicKeyCredentialCreationOptionsJSON): RegistrationResponseJSON {
  const id = randomBytes(idBytes);
  const head = Buffer.alloc(37);
  createHash('sha256').update(options.rp.id!).digest().copy(head, 0);
  head.writeUInt8(0x01 | 0x04 | 0x40, 32); // user present, user verified, attested credential data
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(idBytes);
  const publicKey = coseEs256(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
  const authData = Buffer.concat([head, Buffer.alloc(16), idLength, id, publicKey]);
  const attestationObject = cbor(
    new Map<CborValue, CborValue>([
      ['fmt', 'none'],
      ['attStmt', new Map()],
      ['authData', authData],
    ]),
  );
  const clientData = { type: 'webauthn.create', challenge: options.challenge, origin: DEFAULT_ORIGIN, crossOrigin: false };
  return {
    id: b64url(id),
    rawId: b64url(id),
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64url(Buffer.from(JSON.stringify(clientData))),
      attestationObject: b64url(attestationObject),
      transports: ['internal'],
    },
  };
}

/**
 * Passkeys without a browser (docs/identity.md, "Passkeys"): the ceremonies are answered by a
 * software authenticator (test/support/soft-authenticator.ts) that signs like a platform one.
 */
describe('passkeys (e2e)', () => {
  let t: TestApp;
  let published: EventCapture;

  const post = (url: string, payload: object, who?: Person): Promise<LightMyRequestResponse> =>
    t.inject({ method: 'POST', url: `/api/v1${url}`, headers: who ? bearer(who.tokens) : {}, payload });

  async function ok(response: Promise<LightMyRequestResponse>, status = 200): Promise<Json> {
    const res = await response;
    if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
    return status === 204 ? {} : res.json<Json>();
  }

  const creationOptions = async (who: Person) =>
    (await ok(post('/auth/passkeys/registration/options', {}, who))) as unknown as PublicKeyCredentialCreationOptionsJSON;
  const requestOptions = async () =>
    (await ok(post('/auth/passkeys/authentication/options', {}))) as unknown as PublicKeyCredentialRequestOptionsJSON;

  /** Registers a new passkey of `who` made by `authenticator`; the stored view. */
  async function enrol(who: Person, authenticator: SoftAuthenticator, name?: string): Promise<Json> {
    const response = authenticator.register(await creationOptions(who));
    return ok(post('/auth/passkeys/registration', { response, ...(name ? { name } : {}) }, who), 201);
  }

  beforeAll(async () => {
    t = await createTestApp();
    published = captureEvents(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('registration', () => {
    it('offers creation options for the relying party, with user verification required', async () => {
      const who = await person(t, 'pk-options');
      const options = await creationOptions(who);
      expect(options).toMatchObject({
        rp: { id: '127.0.0.1', name: 'Bastion' },
        user: { name: who.email },
        attestation: 'none',
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        excludeCredentials: [],
      });
      expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expectProblem(await post('/auth/passkeys/registration/options', {}), 401, 'unauthenticated');
    });

    it('stores the passkey the authenticator made: 201, listed, audited; the next options exclude it', async () => {
      const who = await person(t, 'pk-register');
      const authenticator = new SoftAuthenticator();
      published.clear();
      const view = await enrol(who, authenticator, 'Laptop');
      expect(view).toEqual({
        id: expect.any(String),
        name: 'Laptop',
        created_at: expect.any(String),
        last_used_at: null,
        backed_up: false,
        device_type: 'singleDevice',
        transports: ['internal'],
      });
      expect(published.payloadsOf('auth.passkey_registered')).toEqual([
        expect.objectContaining({ user_id: who.id, passkey_id: view.id, name: 'Laptop' }),
      ]);
      const list = await ok(t.inject({ method: 'GET', url: '/api/v1/auth/passkeys', headers: bearer(who.tokens) }));
      expect(list.items).toEqual([view]);
      const again = await creationOptions(who);
      expect(again.excludeCredentials).toEqual([expect.objectContaining({ id: authenticator.credentials[0].id })]);
      // The owner is told by mail (a security notice).
      await settled(t);
      const mails = await t.db.query<{ template: string }>('SELECT template FROM notifications WHERE user_id = $1', [who.id]);
      expect(mails.map((m) => m.template)).toContain('security.passkey_added');
    });

    it('keeps only known transport names of what the client reports (a string, objects, 100 kB names are dropped)', async () => {
      const who = await person(t, 'pk-transports');
      const reported: unknown[] = [
        'usb-usb-usb-usb',
        [{ evil: 'x'.repeat(1000) }, 42, 'nfc'],
        ['x'.repeat(100_000), 'usb', 'usb'],
      ];
      const views: Json[] = [];
      for (const transports of reported) {
        const response = new SoftAuthenticator().register(await creationOptions(who)) as unknown as {
          response: { transports?: unknown };
        };
        response.response.transports = transports;
        views.push(await ok(post('/auth/passkeys/registration', { response }, who), 201));
      }
      expect(views.map((v) => v.transports)).toEqual([[], ['nfc'], ['usb']]);
      // A row written before the filter is read through it too.
      await t.db.query(`UPDATE passkeys SET transports = '[{"evil":1},"internal","bogus"]' WHERE id = $1`, [views[0].id]);
      const list = await ok(t.inject({ method: 'GET', url: '/api/v1/auth/passkeys', headers: bearer(who.tokens) }));
      expect((list.items as Json[]).find((p) => p.id === views[0].id)?.transports).toEqual(['internal']);
    });

    it('refuses a replayed, foreign or mismatched answer', async () => {
      const who = await person(t, 'pk-refused');
      const other = await person(t, 'pk-other');
      const authenticator = new SoftAuthenticator();
      const options = await creationOptions(who);
      // Another account cannot finish this account's ceremony.
      expectProblem(
        await post('/auth/passkeys/registration', { response: authenticator.register(options) }, other),
        400,
        'passkey_challenge_invalid',
      );
      // The wrong origin, and the wrong relying party, do not verify (each on a fresh challenge).
      const wrongOrigin = authenticator.register(await creationOptions(who), { origin: 'https://evil.example' });
      expectProblem(await post('/auth/passkeys/registration', { response: wrongOrigin }, who), 400, 'passkey_rejected');
      const wrongRp = authenticator.register(await creationOptions(who), { rpId: 'evil.example' });
      expectProblem(await post('/auth/passkeys/registration', { response: wrongRp }, who), 400, 'passkey_rejected');
      // A challenge is single use.
      const response: RegistrationResponseJSON = new SoftAuthenticator().register(await creationOptions(who));
      await ok(post('/auth/passkeys/registration', { response }, who), 201);
      expectProblem(await post('/auth/passkeys/registration', { response }, who), 400, 'passkey_challenge_invalid');
      expectProblem(await post('/auth/passkeys/registration', { response: { id: 'x' } }, who), 400, 'passkey_challenge_invalid');
    });

    it('refuses a credential id longer than WebAuthn’s 1023 bytes (400 passkey_rejected), before it reaches the column', async () => {
      const who = await person(t, 'pk-long-id');
      await ok(
        post('/auth/passkeys/registration', { response: registrationWithIdOf(1023, await creationOptions(who)) }, who),
        201,
      );
      for (const bytes of [1024, 2000]) {
        const response = registrationWithIdOf(bytes, await creationOptions(who));
        expectProblem(await post('/auth/passkeys/registration', { response }, who), 400, 'passkey_rejected');
      }
      const list = await ok(t.inject({ method: 'GET', url: '/api/v1/auth/passkeys', headers: bearer(who.tokens) }));
      expect(list.items).toHaveLength(1);
    });

    it('registers a credential two accounts present at the same moment once: 201 and 409 passkey_exists, never a 500', async () => {
      const [ada, bob] = [await person(t, 'pk-same-a'), await person(t, 'pk-same-b')];
      for (let round = 0; round < 8; round++) {
        // One authenticator's credential, answered to each account's own challenge (attestation "none"
        // signs nothing of the challenge: a client can send the same credential to both).
        const first = new SoftAuthenticator().register(await creationOptions(ada));
        const second = new SoftAuthenticator().register(await creationOptions(bob));
        const copy = { ...first, response: { ...first.response, clientDataJSON: second.response.clientDataJSON } };
        const answers = await Promise.all([
          post('/auth/passkeys/registration', { response: first }, ada),
          post('/auth/passkeys/registration', { response: copy }, bob),
        ]);
        expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409]);
        expectProblem(
          answers.find((a) => a.statusCode === 409)!,
          409,
          'passkey_exists',
        );
      }
      const [{ count }] = await t.db.query<{ count: string }>('SELECT count(*) FROM passkeys WHERE user_id = ANY($1::uuid[])', [
        [ada.id, bob.id],
      ]);
      expect(Number(count)).toBe(8);
    });

    it('trims a passkey’s name and refuses a blank one (400), at registration and on rename', async () => {
      const who = await person(t, 'pk-blank');
      const authenticator = new SoftAuthenticator();
      const blank = authenticator.register(await creationOptions(who));
      expectProblem(await post('/auth/passkeys/registration', { response: blank, name: '   ' }, who), 400, 'validation_failed');
      const view = await enrol(who, new SoftAuthenticator(), '  Laptop  ');
      expect(view.name).toBe('Laptop');
      const rename = (name: string) =>
        t.inject({ method: 'PATCH', url: `/api/v1/auth/passkeys/${view.id}`, headers: bearer(who.tokens), payload: { name } });
      expectProblem(await rename('    '), 400, 'validation_failed');
      expect((await ok(rename(' Yubi '))).name).toBe('Yubi');
      const list = await ok(t.inject({ method: 'GET', url: '/api/v1/auth/passkeys', headers: bearer(who.tokens) }));
      expect(list.items.map((p: Json) => p.name)).toEqual(['Yubi']);
    });

    it('allows at most 10 passkeys per account (409 passkey_limit)', async () => {
      const who = await person(t, 'pk-limit');
      for (let i = 0; i < 10; i++) await enrol(who, new SoftAuthenticator());
      expectProblem(await post('/auth/passkeys/registration/options', {}, who), 409, 'passkey_limit');
    });
  });

  describe('signing in', () => {
    let who: Person;
    let authenticator: SoftAuthenticator;
    let passkey: Json;

    beforeAll(async () => {
      who = await person(t, 'pk-signin');
      authenticator = new SoftAuthenticator();
      passkey = await enrol(who, authenticator, 'Phone');
    });

    it('signs in with a discoverable passkey: the same tokens as a password login, a new session', async () => {
      const options = await requestOptions();
      expect(options).toMatchObject({ rpId: '127.0.0.1', userVerification: 'required', allowCredentials: [] });
      published.clear();
      const tokens = await ok(post('/auth/passkeys/authentication', { response: authenticator.authenticate(options) }));
      expect(tokens).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
      const me = await ok(
        t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens as { access_token: string }) }),
      );
      expect(me.id).toBe(who.id);
      expect(published.events.map((e) => e.name)).toEqual(
        expect.arrayContaining(['auth.login_succeeded', 'auth.passkey_login_succeeded']),
      );
      const list = await ok(t.inject({ method: 'GET', url: '/api/v1/auth/passkeys', headers: bearer(who.tokens) }));
      expect(list.items[0].last_used_at).not.toBeNull();
    });

    it('refuses a replayed answer, another origin, another relying party and an unknown passkey', async () => {
      const response = authenticator.authenticate(await requestOptions());
      await ok(post('/auth/passkeys/authentication', { response }));
      expectProblem(await post('/auth/passkeys/authentication', { response }), 400, 'passkey_challenge_invalid');
      const wrongOrigin = authenticator.authenticate(await requestOptions(), { origin: 'https://evil.example' });
      expectProblem(await post('/auth/passkeys/authentication', { response: wrongOrigin }), 401, 'invalid_credentials');
      const wrongRp = authenticator.authenticate(await requestOptions(), { rpId: 'evil.example' });
      expectProblem(await post('/auth/passkeys/authentication', { response: wrongRp }), 401, 'invalid_credentials');
      const stranger = new SoftAuthenticator();
      stranger.register(await creationOptions(await person(t, 'pk-unregistered'))); // made, never stored
      expectProblem(
        await post('/auth/passkeys/authentication', { response: stranger.authenticate(await requestOptions()) }),
        401,
        'invalid_credentials',
      );
    });

    it('refuses a signature counter that went backwards, and audits it as a possible clone', async () => {
      // The counter the server saw last, presented again: it did not move forward.
      const [{ counter }] = await t.db.query<{ counter: string }>('SELECT counter FROM passkeys WHERE id = $1', [passkey.id]);
      expect(Number(counter)).toBeGreaterThan(0);
      published.clear();
      const cloned = authenticator.authenticate(await requestOptions(), { counter: Number(counter) });
      expectProblem(await post('/auth/passkeys/authentication', { response: cloned }), 401, 'invalid_credentials');
      expect(published.payloadsOf('auth.passkey_counter_anomaly')).toEqual([
        expect.objectContaining({ user_id: who.id, passkey_id: passkey.id, policy: 'refuse' }),
      ]);
      await settled(t);
      const rows = await t.db.query<{ outcome: string }>(
        `SELECT outcome FROM audit_events WHERE type = 'auth.passkey_counter_anomaly' AND subject_id = $1`,
        [who.id],
      );
      expect(rows).toEqual([{ outcome: 'flagged' }]);
      // The genuine authenticator carries on.
      await ok(post('/auth/passkeys/authentication', { response: authenticator.authenticate(await requestOptions()) }));
    });
  });

  describe('the signature counter under parallel assertions', () => {
    let who: Person;
    let authenticator: SoftAuthenticator;
    let passkey: Json;

    beforeAll(async () => {
      who = await person(t, 'pk-race');
      authenticator = new SoftAuthenticator();
      passkey = await enrol(who, authenticator);
    });

    const stored = async (): Promise<number> =>
      Number((await t.db.query<{ counter: string }>('SELECT counter FROM passkeys WHERE id = $1', [passkey.id]))[0].counter);

    /** Assertions presenting these counters, each to its own challenge, posted at once: their statuses in order. */
    async function race(...counters: number[]): Promise<number[]> {
      const answers = [];
      for (const counter of counters) answers.push(authenticator.authenticate(await requestOptions(), { counter }));
      const results = await Promise.all(answers.map((response) => post('/auth/passkeys/authentication', { response })));
      return results.map((r) => r.statusCode);
    }

    it('lets one of two assertions with the same counter in; the other is a counter anomaly (401)', async () => {
      published.clear();
      for (let round = 1; round <= 8; round++) {
        expect((await race(round, round)).sort()).toEqual([200, 401]);
        expect(await stored()).toBe(round);
      }
      expect(published.payloadsOf('auth.passkey_counter_anomaly')).toHaveLength(8);
      expect(published.payloadsOf('auth.passkey_counter_anomaly')[0]).toMatchObject({
        passkey_id: passkey.id,
        stored_counter: 1,
        presented_counter: 1,
        policy: 'refuse',
      });
    });

    it('never lets the stored counter go back, whichever of a higher and a lower counter finishes last', async () => {
      for (let round = 1; round <= 6; round++) {
        const high = round * 1000;
        const statuses = await race(high, high - 400);
        expect(statuses[0]).toBe(200);
        expect(await stored()).toBe(high);
      }
    });
  });

  describe('as a second factor', () => {
    let who: Person;
    let authenticator: SoftAuthenticator;
    let passkey: Json;

    /** A new account with TOTP on and one passkey (each test its own: failures count towards the lockout). */
    beforeEach(async () => {
      who = await person(t, 'pk-2fa');
      await enableTotp(t, who.tokens);
      authenticator = new SoftAuthenticator();
      passkey = await enrol(who, authenticator, 'Laptop');
    });

    /** The password step of an MFA sign-in: its `mfa_required` problem. */
    async function passwordStep(email = who.email): Promise<Json> {
      const res = await requestToken(t, { email, password: STRONG_PASSWORD });
      expectProblem(res, 401, 'mfa_required');
      return res.json<Json>();
    }

    it('lists the account’s methods after the password; with passkeys, an mfa_token for a challenge', async () => {
      const problem = await passwordStep();
      expect(problem.methods).toEqual(['totp', 'passkey', 'recovery_code']);
      expect(problem.mfa_token).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{43}$/));
      // An MFA account without passkeys: no token, no passkey method.
      const plain = await person(t, 'pk-2fa-none');
      await enableTotp(t, plain.tokens);
      const other = await passwordStep(plain.email);
      expect(other.methods).toEqual(['totp', 'recovery_code']);
      expect(other).not.toHaveProperty('mfa_token');
    });

    it('finishes a password + passkey sign-in: the challenge names the account’s passkeys, the token is single use', async () => {
      const { mfa_token } = await passwordStep();
      const options = (await ok(
        post('/auth/passkeys/authentication/options', { mfa_token }),
      )) as unknown as PublicKeyCredentialRequestOptionsJSON;
      expect(options.allowCredentials).toEqual([expect.objectContaining({ id: authenticator.credentials[0].id })]);
      expectProblem(await post('/auth/passkeys/authentication/options', { mfa_token }), 400, 'passkey_challenge_invalid');
      published.clear();
      const passkey_response = authenticator.authenticate(options);
      const signedIn = await requestToken(t, { email: who.email, password: STRONG_PASSWORD, passkey_response });
      expect(signedIn.statusCode).toBe(200);
      expect(signedIn.json()).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
      expect(published.payloadsOf('auth.passkey_login_succeeded')).toEqual([
        expect.objectContaining({ user_id: who.id, passkey_id: passkey.id, stage: 'second_factor' }),
      ]);
      // The same answer again: its challenge is spent, so it is a failed second factor.
      expectProblem(
        await requestToken(t, { email: who.email, password: STRONG_PASSWORD, passkey_response }),
        401,
        'invalid_mfa_code',
      );
    });

    it('refuses another account’s passkey, a discoverable-sign-in challenge and a wrong password', async () => {
      // Another account's passkey answering this account's challenge.
      const stranger = await person(t, 'pk-2fa-stranger');
      const strangerKey = new SoftAuthenticator();
      await enrol(stranger, strangerKey);
      const { mfa_token } = await passwordStep();
      const options = (await ok(
        post('/auth/passkeys/authentication/options', { mfa_token }),
      )) as unknown as PublicKeyCredentialRequestOptionsJSON;
      published.clear();
      const foreign = strangerKey.authenticate({ ...options, allowCredentials: [] });
      expectProblem(
        await requestToken(t, { email: who.email, password: STRONG_PASSWORD, passkey_response: foreign }),
        401,
        'invalid_mfa_code',
      );
      expect(published.payloadsOf('auth.passkey_login_failed')).toEqual([
        expect.objectContaining({ user_id: who.id, reason: 'unknown_credential', stage: 'second_factor' }),
      ]);
      // A challenge of the discoverable sign-in is not one for a second factor.
      const discoverable = authenticator.authenticate(await requestOptions());
      expectProblem(
        await requestToken(t, { email: who.email, password: STRONG_PASSWORD, passkey_response: discoverable }),
        401,
        'invalid_mfa_code',
      );
      // The password is checked first: a passkey does not stand in for it here.
      const { mfa_token: next } = await passwordStep();
      const fresh = authenticator.authenticate(
        (await ok(
          post('/auth/passkeys/authentication/options', { mfa_token: next }),
        )) as unknown as PublicKeyCredentialRequestOptionsJSON,
      );
      expectProblem(
        await requestToken(t, { email: who.email, password: 'not-the-password-at-all', passkey_response: fresh }),
        401,
        'invalid_credentials',
      );
    });

    it('answers a garbage mfa_token like a spent one', async () => {
      expectProblem(
        await post('/auth/passkeys/authentication/options', { mfa_token: 'x'.repeat(43) }),
        400,
        'passkey_challenge_invalid',
      );
      expectProblem(await post('/auth/passkeys/authentication/options', { mfa_token: 'x'.repeat(65) }), 400, 'validation_failed');
    });
  });

  describe('management', () => {
    it('renames and removes your own passkeys; another account’s are 404', async () => {
      const who = await person(t, 'pk-manage');
      const other = await person(t, 'pk-intruder');
      const view = await enrol(who, new SoftAuthenticator());
      expect(view.name).toBe('Passkey 1');
      const renamed = await ok(
        t.inject({
          method: 'PATCH',
          url: `/api/v1/auth/passkeys/${view.id}`,
          headers: bearer(who.tokens),
          payload: { name: 'Yubi' },
        }),
      );
      expect(renamed.name).toBe('Yubi');
      for (const method of ['PATCH', 'DELETE'] as const) {
        const res = await t.inject({
          method,
          url: `/api/v1/auth/passkeys/${view.id}`,
          headers: bearer(other.tokens),
          ...(method === 'PATCH' ? { payload: { name: 'mine now' } } : {}),
        });
        expectProblem(res, 404, 'passkey_not_found');
      }
      published.clear();
      await ok(t.inject({ method: 'DELETE', url: `/api/v1/auth/passkeys/${view.id}`, headers: bearer(who.tokens) }), 204);
      expect(published.payloadsOf('auth.passkey_removed')).toEqual([
        expect.objectContaining({ passkey_id: view.id, name: 'Yubi' }),
      ]);
      const list = await ok(t.inject({ method: 'GET', url: '/api/v1/auth/passkeys', headers: bearer(who.tokens) }));
      expect(list.items).toEqual([]);
    });
  });
});
