import { createPublicKey } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { b64url, cbor, DEFAULT_ORIGIN, SoftAuthenticator } from './soft-authenticator';

const RP_ID = '127.0.0.1';
const ORIGIN = DEFAULT_ORIGIN;

function registrationOptions(
  userVerification: 'required' | 'preferred' = 'required',
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: 'Bastion',
    rpID: RP_ID,
    userName: 'ada@example.test',
    userID: new TextEncoder().encode('user-0001'),
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'preferred', userVerification },
  });
}

/** Registers a credential on `authenticator` and verifies it as the server would; returns what the server stores. */
async function enrol(authenticator: SoftAuthenticator): Promise<WebAuthnCredential> {
  const options = await registrationOptions();
  const result = await verifyRegistrationResponse({
    response: authenticator.register(options),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: true,
  });
  if (!result.verified) throw new Error('registration not verified');
  return result.registrationInfo.credential;
}

function signIn(authenticator: SoftAuthenticator, credential: WebAuthnCredential, overrides = {}) {
  return (async () => {
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: credential.id }],
      userVerification: 'required',
    });
    return verifyAuthenticationResponse({
      response: authenticator.authenticate(options, overrides),
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential,
      requireUserVerification: true,
    });
  })();
}

describe('cbor', () => {
  it('encodes integers, strings, bytes and maps canonically', () => {
    expect(cbor(0).toString('hex')).toBe('00');
    expect(cbor(23).toString('hex')).toBe('17');
    expect(cbor(24).toString('hex')).toBe('1818');
    expect(cbor(1000).toString('hex')).toBe('1903e8');
    expect(cbor(1000000).toString('hex')).toBe('1a000f4240');
    expect(cbor(-1).toString('hex')).toBe('20');
    expect(cbor(-7).toString('hex')).toBe('26');
    expect(cbor(-1000).toString('hex')).toBe('3903e7');
    expect(cbor('fmt').toString('hex')).toBe('63666d74');
    expect(cbor(new Uint8Array([1, 2])).toString('hex')).toBe('420102');
    expect(cbor([1, true, false]).toString('hex')).toBe('8301f5f4');
    expect(
      cbor(
        new Map([
          ['a', 1],
          ['b', -2],
        ]),
      ).toString('hex'),
    ).toBe('a2616101616221');
  });
});

describe('SoftAuthenticator against @simplewebauthn/server', () => {
  it('registers a passkey the library verifies, then signs in with it', async () => {
    const authenticator = new SoftAuthenticator();
    const options = await registrationOptions();
    const response = authenticator.register(options);

    expect(response.id).toBe(authenticator.credentials[0].id);
    expect(response.authenticatorAttachment).toBe('platform');
    expect(response.response.transports).toEqual(['internal']);
    expect(response.response.publicKeyAlgorithm).toBe(-7);
    const spki = createPublicKey({ key: Buffer.from(response.response.publicKey!, 'base64url'), format: 'der', type: 'spki' });
    expect(spki.asymmetricKeyType).toBe('ec');

    const registration = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: true,
    });
    expect(registration.verified).toBe(true);
    const info = registration.registrationInfo!;
    expect(info.fmt).toBe('none');
    expect(info.userVerified).toBe(true);
    expect(info.credentialDeviceType).toBe('singleDevice');
    expect(info.credentialBackedUp).toBe(false);
    expect(info.credential.id).toBe(authenticator.credentials[0].id);
    expect(info.credential.counter).toBe(0);
    expect(b64url(info.credential.publicKey)).toBe(b64url(authenticator.credentials[0].publicKeyCose));

    const authOptions = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: info.credential.id }],
      userVerification: 'required',
    });
    const assertion = authenticator.authenticate(authOptions);
    expect(assertion.response.userHandle).toBe(options.user.id);
    const authentication = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: authOptions.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: { id: info.credential.id, publicKey: info.credential.publicKey, counter: info.credential.counter },
      requireUserVerification: true,
    });
    expect(authentication.verified).toBe(true);
    expect(authentication.authenticationInfo.newCounter).toBe(1);
    expect(authentication.authenticationInfo.credentialID).toBe(info.credential.id);
    expect(authenticator.credentials[0].counter).toBe(1);
  });

  it('signs in without allowCredentials (discoverable), returning the user handle', async () => {
    const authenticator = new SoftAuthenticator();
    const options = await registrationOptions();
    const registration = await verifyRegistrationResponse({
      response: authenticator.register(options),
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });
    const credential = registration.registrationInfo!.credential;

    const authOptions = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required' });
    const assertion = authenticator.authenticate(authOptions);
    expect(assertion.id).toBe(credential.id);
    expect(assertion.response.userHandle).toBe(options.user.id);
    expect(Buffer.from(assertion.response.userHandle!, 'base64url').toString()).toBe('user-0001');
    const result = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: authOptions.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential,
    });
    expect(result.verified).toBe(true);
  });

  it('reports BE/BS as a multi-device, backed-up credential', async () => {
    const authenticator = new SoftAuthenticator({ backupEligible: true, backedUp: true, transports: ['hybrid', 'internal'] });
    const options = await registrationOptions();
    const response = authenticator.register(options);
    expect(response.response.transports).toEqual(['hybrid', 'internal']);
    const { registrationInfo } = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });
    expect(registrationInfo?.credentialDeviceType).toBe('multiDevice');
    expect(registrationInfo?.credentialBackedUp).toBe(true);
  });

  it('counts up on each sign-in', async () => {
    const authenticator = new SoftAuthenticator();
    const credential = await enrol(authenticator);
    for (const expected of [1, 2, 3]) {
      const result = await signIn(authenticator, credential);
      expect(result.authenticationInfo.newCounter).toBe(expected);
      credential.counter = result.authenticationInfo.newCounter;
    }
  });

  describe('is refused when it lies', () => {
    it('registration from the wrong origin', async () => {
      const options = await registrationOptions();
      const response = new SoftAuthenticator().register(options, { origin: 'https://evil.example' });
      await expect(
        verifyRegistrationResponse({
          response,
          expectedChallenge: options.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
        }),
      ).rejects.toThrow(/origin "https:\/\/evil\.example"/);
    });

    it('registration for the wrong RP ID', async () => {
      const options = await registrationOptions();
      const response = new SoftAuthenticator().register(options, { rpId: 'evil.example' });
      await expect(
        verifyRegistrationResponse({
          response,
          expectedChallenge: options.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
        }),
      ).rejects.toThrow(/RP ID/);
    });

    it('registration answering another challenge', async () => {
      const options = await registrationOptions();
      const response = new SoftAuthenticator().register(options, { challenge: 'c3RhbGU' });
      await expect(
        verifyRegistrationResponse({
          response,
          expectedChallenge: options.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
        }),
      ).rejects.toThrow(/challenge/);
    });

    it('registration without user verification when it is required', async () => {
      const options = await registrationOptions();
      const response = new SoftAuthenticator({ userVerified: false }).register(options);
      await expect(
        verifyRegistrationResponse({
          response,
          expectedChallenge: options.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          requireUserVerification: true,
        }),
      ).rejects.toThrow(/User verification/);
    });

    it('sign-in from the wrong origin', async () => {
      const authenticator = new SoftAuthenticator();
      const credential = await enrol(authenticator);
      await expect(signIn(authenticator, credential, { origin: 'https://evil.example' })).rejects.toThrow(/origin/);
    });

    it('sign-in for the wrong RP ID', async () => {
      const authenticator = new SoftAuthenticator();
      const credential = await enrol(authenticator);
      await expect(signIn(authenticator, credential, { rpId: 'evil.example' })).rejects.toThrow(/RP ID/);
    });

    it('sign-in answering another challenge', async () => {
      const authenticator = new SoftAuthenticator();
      const credential = await enrol(authenticator);
      await expect(signIn(authenticator, credential, { challenge: 'c3RhbGU' })).rejects.toThrow(/challenge/);
    });

    it('sign-in whose counter goes backwards or repeats (a cloned authenticator)', async () => {
      const authenticator = new SoftAuthenticator();
      const credential = await enrol(authenticator);
      credential.counter = (await signIn(authenticator, credential)).authenticationInfo.newCounter;
      credential.counter = (await signIn(authenticator, credential)).authenticationInfo.newCounter;
      expect(credential.counter).toBe(2);
      await expect(signIn(authenticator, credential, { counter: 1 })).rejects.toThrow(
        /counter value 1 was lower than expected 2/,
      );
      await expect(signIn(authenticator, credential, { counter: 2 })).rejects.toThrow(/counter/);
      // The override does not move the authenticator's own counter: the genuine one carries on.
      expect((await signIn(authenticator, credential)).authenticationInfo.newCounter).toBe(3);
    });

    it('sign-in signed by a key the server does not know for that credential', async () => {
      const authenticator = new SoftAuthenticator();
      const credential = await enrol(authenticator);
      const other = await enrol(authenticator);
      // Signed with `other`'s key, presented as `credential`: the signature does not verify.
      const options = await generateAuthenticationOptions({ rpID: RP_ID });
      const assertion = authenticator.authenticate(options, { credentialId: other.id });
      const result = await verifyAuthenticationResponse({
        response: { ...assertion, id: credential.id, rawId: credential.id },
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
      });
      expect(result.verified).toBe(false);
    });
  });

  describe('behaves like a browser', () => {
    it('has no credential to offer another authenticator’s allowCredentials', async () => {
      const credential = await enrol(new SoftAuthenticator());
      const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
      expect(() => new SoftAuthenticator().authenticate(options)).toThrow(/NotAllowedError/);
    });

    it('refuses to register again when excludeCredentials names a credential it holds', async () => {
      const authenticator = new SoftAuthenticator();
      const credential = await enrol(authenticator);
      const options = await generateRegistrationOptions({
        rpName: 'Bastion',
        rpID: RP_ID,
        userName: 'ada@example.test',
        excludeCredentials: [{ id: credential.id }],
      });
      expect(() => authenticator.register(options)).toThrow(/InvalidStateError/);
    });
  });
});
