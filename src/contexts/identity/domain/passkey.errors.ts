import { DomainError } from '../../../platform/http/problem';

/** The passkey ceremonies' and management's errors, each with a stable `code`. */
export class PasskeyError extends DomainError {
  /** The challenge is unknown, spent, expired, or was issued for another ceremony or account. */
  static invalidChallenge(field?: 'mfa_token'): PasskeyError {
    return new PasskeyError(
      'passkey_challenge_invalid',
      400,
      field === 'mfa_token'
        ? 'The mfa_token is unknown, used or expired: sign in with the password again.'
        : 'The passkey challenge is unknown, used or expired: start again.',
      field ? { errors: [{ field, code: 'invalid_token', message: 'Unknown, used or expired.' }] } : {},
    );
  }

  /** The authenticator's answer does not verify (origin, RP ID, user verification, signature, format). */
  static rejected(detail = 'The passkey response could not be verified.'): PasskeyError {
    return new PasskeyError('passkey_rejected', 400, detail, {
      errors: [{ field: 'response', code: 'passkey_rejected', message: detail }],
    });
  }

  /** A sign-in that did not verify: one answer whatever the reason (unknown credential, bad signature, counter). */
  static signInFailed(): PasskeyError {
    return new PasskeyError('invalid_credentials', 401, 'The passkey could not be verified.');
  }

  static limit(max: number): PasskeyError {
    return new PasskeyError('passkey_limit', 409, `An account can have at most ${max} passkeys: remove one first.`, {
      extensions: { limit: max },
    });
  }

  static alreadyRegistered(): PasskeyError {
    return new PasskeyError('passkey_exists', 409, 'This passkey is registered already.');
  }

  /** A passkey ceremony for an account that has none (a second factor, a re-authentication). */
  static none(): PasskeyError {
    return new PasskeyError('no_passkeys', 409, 'This account has no passkey: use another method.');
  }

  /** Unknown id, or another account's passkey: the same answer. */
  static notFound(): PasskeyError {
    return new PasskeyError('passkey_not_found', 404, 'No such passkey.');
  }
}
