import { DomainError, type FieldError } from '../../../platform/http/problem';
import { tooManyRequests } from '../../../platform/rate-limit/headers';

export class AuthError extends DomainError {
  static invalidCredentials(): AuthError {
    return new AuthError('invalid_credentials', 401, 'The email or password is incorrect.');
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

  static userNotFound(): AuthError {
    return new AuthError('user_not_found', 404, 'No such user.');
  }

  static forbidden(): AuthError {
    return new AuthError('forbidden', 403, 'You are not allowed to do this.');
  }

  static currentPasswordWrong(): AuthError {
    return new AuthError('invalid_current_password', 400, 'The current password is incorrect.', {
      errors: [{ field: 'current_password', code: 'incorrect', message: 'The current password is incorrect.' }],
    });
  }
}
