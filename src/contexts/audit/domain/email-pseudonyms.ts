import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Stable pseudonyms for e-mail addresses in the audit trail.
 *
 * A row about an address with no account behind it (a failed login for an unknown address, a
 * throttled attempt, a registration of a taken one) names the address by a keyed hash, never
 * by the address itself: the hash chain covers every row, so nothing in a row could be erased
 * later without breaking it, and an account's deletion must leave no row holding its address.
 * The same address always gets the same pseudonym (attempts against one address can still be
 * told apart from a spray across many), and without the key a pseudonym cannot be tested
 * against a guessed address.
 */
export class EmailPseudonyms {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('The audit pseudonym key must be at least 32 characters');
    this.key = Buffer.from(
      hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), 'bastion.audit.email-pseudonym.v1', 32),
    );
  }

  /** 32 hex characters (128 bits) for the address, compared case-insensitively. */
  of(email: string): string {
    return createHmac('sha256', this.key).update(email.trim().toLowerCase(), 'utf8').digest('hex').slice(0, 32);
  }
}
