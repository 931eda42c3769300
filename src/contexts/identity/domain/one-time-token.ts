import { createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** What a one-time token lets its bearer do, once. */
export const TOKEN_PURPOSES = ['verify_email', 'reset_password', 'change_email', 'invite'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/**
 * The links a new password voids (a reset or a change): those asked for under the old one, perhaps
 * from a stolen session. An address change outliving a reset would hand the account back to the thief.
 */
export const VOIDED_BY_NEW_PASSWORD: readonly TokenPurpose[] = ['reset_password', 'change_email'];

/** The console page each purpose's link opens (the token travels in the URL fragment). */
const CONSOLE_ROUTES: Record<TokenPurpose, string> = {
  verify_email: 'verify',
  reset_password: 'reset',
  change_email: 'confirm-email',
  invite: 'invite',
};

/** 256 random bits, base64url: 43 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh token: 256 bits from the CSPRNG, base64url (it only ever travels inside a link). */
export function newOneTimeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Could this be a token we issued? (Anything else is refused without a lookup.) */
export function isTokenShaped(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_SHAPE.test(value);
}

/**
 * The link that carries a token: the console page of its purpose, with the token in the
 * fragment, which browsers never send to a server (so it stays out of access logs and `Referer`).
 */
export function tokenLink(publicBaseUrl: string, purpose: TokenPurpose, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/console/#/${CONSOLE_ROUTES[purpose]}?token=${token}`;
}

/**
 * Keyed hashes of tokens. The keys are derived (HKDF) from a keyring whose first key is
 * current: a token is stored under the current key and found under any key, so rotating the
 * keyring does not void tokens already sent. A database leak alone reveals no usable token.
 */
export class TokenHasher {
  private readonly keys: Buffer[];

  constructor(keyring: readonly { key: Buffer }[]) {
    if (keyring.length === 0) throw new Error('TokenHasher needs at least one key');
    this.keys = keyring.map(({ key }) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'bastion.one-time-token.v1', 32)));
  }

  /** The hash a new token is stored under. */
  current(token: string): string {
    return this.hash(this.keys[0], token);
  }

  /** Every hash the token may be stored under (one per key). */
  candidates(token: string): string[] {
    return this.keys.map((key) => this.hash(key, token));
  }

  private hash(key: Buffer, token: string): string {
    return createHmac('sha256', key).update(token, 'utf8').digest('hex');
  }
}
