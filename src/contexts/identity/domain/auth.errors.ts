import { DomainError, type FieldError } from '../../../platform/http/problem';
import { tooManyRequests } from '../../../platform/rate-limit/headers';

export type SecondFactorMethod = 'totp' | 'passkey' | 'recovery_code';

export class AuthError extends DomainError {
  static invalidCredentials(): AuthError {
    return new AuthError('invalid_credentials', 401, 'The email or password is incorrect.');
  }

  /** A one-time link's token that is unknown, already used, replaced by a newer one, or expired. */
  static invalidToken(): AuthError {
    return new AuthError('invalid_token', 400, 'This link is invalid or has expired; ask for a new one.', {
      errors: [{ field: 'token', code: 'invalid_token', message: 'The token is unknown, already used or expired.' }],
    });
  }

  static emailNotVerified(): AuthError {
    return new AuthError('email_not_verified', 403, 'Confirm your email address first: follow the link we sent you.');
  }

  static weakPassword(errors: FieldError[]): AuthError {
    return new AuthError('weak_password', 400, 'The password does not meet the password policy.', { errors });
  }

  static invalidEmail(field = 'email'): AuthError {
    return new AuthError('invalid_email', 400, 'The email address is not valid.', {
      errors: [{ field, code: 'invalid_email', message: 'Enter a valid email address.' }],
    });
  }

  static emailTaken(): AuthError {
    return new AuthError('email_taken', 409, 'An account with this email already exists.');
  }

  static unauthenticated(): AuthError {
    return new AuthError('unauthenticated', 401, 'A valid access token is required.', {
      headers: { 'www-authenticate': 'Bearer realm="bastion"' },
    });
  }

  /**
   * The one 429 of the login, whether the throttle or the account lockout refused it, and
   * whether or not the email is registered.
   */
  static tooManyAttempts(retryAfterSeconds: number): DomainError {
    return tooManyRequests('too_many_attempts', 'Too many failed sign-in attempts. Try again later.', retryAfterSeconds);
  }

  /** The password hashing pool is full: shed the request fast, the client retries. */
  static busy(): AuthError {
    return new AuthError('server_busy', 503, 'Too many sign-ins are being processed right now. Retry in a moment.', {
      headers: { 'retry-after': '1' },
      extensions: { retry_after: 1 },
    });
  }

  static userNotFound(): AuthError {
    return new AuthError('user_not_found', 404, 'No such user.');
  }

  static forbidden(): AuthError {
    return new AuthError('forbidden', 403, 'You are not allowed to do this.');
  }

  static currentPasswordWrong(field = 'current_password'): AuthError {
    return new AuthError('invalid_current_password', 400, 'The current password is incorrect.', {
      errors: [{ field, code: 'incorrect', message: 'The current password is incorrect.' }],
    });
  }

  /**
   * The password was right; a second factor is due. `methods`: what the account can use;
   * `mfaToken` (when it has passkeys): the ticket for a passkey challenge, single use.
   */
  static mfaRequired(methods: SecondFactorMethod[] = ['totp', 'recovery_code'], mfaToken?: string): AuthError {
    return new AuthError(
      'mfa_required',
      401,
      methods.includes('passkey')
        ? 'This account uses two-factor authentication: send totp_code, recovery_code or passkey_response.'
        : 'This account uses two-factor authentication: send totp_code or recovery_code.',
      { extensions: { methods, ...(mfaToken ? { mfa_token: mfaToken } : {}) } },
    );
  }

  /**
   * A sensitive action and a session whose last authentication is older than REAUTH_MAX_AGE
   * (or an access token without `auth_time`): `POST /auth/reauthenticate`, then retry. The
   * header follows RFC 9470 (OAuth step-up).
   */
  static reauthenticationRequired(maxAgeSeconds: number): AuthError {
    return new AuthError(
      'reauthentication_required',
      401,
      'This action needs a recent sign-in: confirm who you are (POST /auth/reauthenticate) and try again.',
      {
        headers: {
          'www-authenticate': `Bearer realm="bastion", error="insufficient_user_authentication", max_age=${maxAgeSeconds}`,
        },
        extensions: { max_age: maxAgeSeconds },
      },
    );
  }

  static invalidMfaCode(status = 401): AuthError {
    return new AuthError('invalid_mfa_code', status, 'The authentication code is not valid (or was already used).');
  }

  static mfaAlreadyEnabled(): AuthError {
    return new AuthError('mfa_already_enabled', 409, 'Two-factor authentication is already active; disable it first.');
  }

  static mfaNotEnrolled(): AuthError {
    return new AuthError('mfa_not_enrolled', 409, 'Start enrolment first (POST /auth/mfa/totp/enroll).');
  }

  static mfaNotEnabled(): AuthError {
    return new AuthError('mfa_not_enabled', 409, 'Two-factor authentication is not active.');
  }

  static mfaEnrollmentRequired(): AuthError {
    return new AuthError('mfa_enrollment_required', 403, 'Administrators must activate two-factor authentication first.');
  }

  static sessionRequired(): AuthError {
    return new AuthError('session_required', 403, 'This action needs a signed-in session, not an API key.');
  }

  static apiKeyNotFound(): AuthError {
    return new AuthError('api_key_not_found', 404, 'No such API key.');
  }

  /** The change would leave no active admin: somebody must still be able to administer Bastion. */
  static lastAdmin(): AuthError {
    return new AuthError('last_admin', 409, 'This is the last active admin: make another user admin first.');
  }

  /** The account is closed (deletion pending) or erased: it can no longer be changed. */
  static accountClosed(): AuthError {
    return new AuthError('account_closed', 409, 'This account is closed.');
  }

  /** `field`: where the caller's own id was given (`ids` of a bulk request, the path's `id`). */
  static cannotDeactivateSelf(field = 'ids'): AuthError {
    return new AuthError('cannot_deactivate_self', 400, 'An administrator cannot deactivate their own account.', {
      errors: [{ field, code: 'contains_self', message: 'Remove your own id.' }],
    });
  }

  /** A new invitation for an account that is no longer waiting for one (accepted, or activated by an admin). */
  static notInvited(): AuthError {
    return new AuthError('not_invited', 409, 'This account is not waiting for an invitation.');
  }
}
