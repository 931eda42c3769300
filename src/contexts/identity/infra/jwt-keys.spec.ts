import { JwtService } from '@nestjs/jwt';
import type { IdentityConfig } from '../identity.config';
import { JwtKeyring, jwtModuleOptions, keyId, kidOf, UnknownKeyError } from './jwt-keys';

const CURRENT = 'current-secret-'.padEnd(64, 'c');
const PREVIOUS = 'previous-secret-'.padEnd(64, 'p');

function config(previousValidUntil?: Date): IdentityConfig {
  return {
    jwtSecret: CURRENT,
    jwtIssuer: 'bastion',
    jwtAudience: 'bastion-api',
    jwtPreviousSecret: previousValidUntil ? PREVIOUS : undefined,
    jwtPreviousSecretValidUntil: previousValidUntil,
  } as IdentityConfig;
}

/** A token as an instance that still had `secret` as its current key would have issued it. */
function signedWith(secret: string, claims: object = { sid: 's1' }, kid = keyId(secret)): string {
  return new JwtService().sign(claims, {
    secret,
    algorithm: 'HS256',
    keyid: kid,
    issuer: 'bastion',
    audience: 'bastion-api',
    subject: 'u1',
    expiresIn: 60,
  });
}

describe('kidOf', () => {
  it('reads the kid of a compact JWT header, and nothing from garbage', () => {
    expect(kidOf(signedWith(CURRENT))).toBe(keyId(CURRENT));
    expect(kidOf('not-a-jwt')).toBeUndefined();
    expect(kidOf(`${Buffer.from('{"alg":"HS256"}').toString('base64url')}.e30.x`)).toBeUndefined();
  });
});

describe('JwtKeyring', () => {
  it('names the current key by kid and has none for an unknown kid', () => {
    const keys = new JwtKeyring(config());
    expect(keys.current.kid).toBe(keyId(CURRENT));
    expect(keys.keyFor(keyId(CURRENT))?.export().toString('utf8')).toBe(CURRENT);
    expect(keys.keyFor('hs-unknown')).toBeUndefined();
    expect(keys.keyFor(undefined)).toBeUndefined();
  });

  it('accepts the previous key only until the end of its rotation window', () => {
    const until = new Date('2026-12-01T12:00:00Z');
    const keys = new JwtKeyring(config(until));
    expect(keys.keyFor(keyId(PREVIOUS), new Date('2026-12-01T11:59:59Z'))?.export().toString('utf8')).toBe(PREVIOUS);
    expect(keys.keyFor(keyId(PREVIOUS), until)).toBeUndefined();
  });
});

describe('jwtModuleOptions (through a real JwtService)', () => {
  const windowOpen = new Date(Date.now() + 60_000);

  it('signs HS256 with the current kid, issuer and audience, and verifies what it signed', async () => {
    const jwt = new JwtService(jwtModuleOptions(config()));
    const token = await jwt.signAsync({ sid: 's1' }, { subject: 'u1', expiresIn: 60 });
    const { header, payload } = jwt.decode<{ header: Record<string, unknown>; payload: Record<string, unknown> }>(token, {
      complete: true,
    });
    expect(header).toMatchObject({ alg: 'HS256', kid: keyId(CURRENT) });
    expect(payload).toMatchObject({ sid: 's1', sub: 'u1', iss: 'bastion', aud: 'bastion-api' });
    await expect(jwt.verifyAsync(token)).resolves.toMatchObject({ sid: 's1', sub: 'u1' });
  });

  it('verifies a token of the previous key inside the window, and not once it is gone', async () => {
    const token = signedWith(PREVIOUS);
    await expect(new JwtService(jwtModuleOptions(config(windowOpen))).verifyAsync(token)).resolves.toMatchObject({ sid: 's1' });
    await expect(new JwtService(jwtModuleOptions(config(new Date(Date.now() - 1)))).verifyAsync(token)).rejects.toThrow(
      UnknownKeyError,
    );
  });

  it('refuses a forged signature under the current kid, a foreign kid, another audience and alg none', async () => {
    const jwt = new JwtService(jwtModuleOptions(config(windowOpen)));
    await expect(jwt.verifyAsync(signedWith('forged-secret-'.padEnd(64, 'f'), {}, keyId(CURRENT)))).rejects.toThrow(
      /invalid signature/,
    );
    await expect(jwt.verifyAsync(signedWith('foreign-secret-'.padEnd(64, 'x')))).rejects.toThrow(UnknownKeyError);
    const otherAudience = new JwtService().sign({}, { secret: CURRENT, keyid: keyId(CURRENT), issuer: 'bastion', audience: 'x' });
    await expect(jwt.verifyAsync(otherAudience)).rejects.toThrow(/audience invalid/);
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: keyId(CURRENT) })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'u1', iss: 'bastion', aud: 'bastion-api' })).toString('base64url');
    await expect(jwt.verifyAsync(`${header}.${body}.`)).rejects.toThrow();
  });
});
