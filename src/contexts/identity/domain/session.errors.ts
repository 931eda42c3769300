import { DomainError } from '../../../platform/http/problem';

export type SessionErrorCode =
  | 'invalid_refresh_token'
  | 'refresh_token_reused'
  | 'session_revoked'
  | 'session_expired'
  | 'suspicious_refresh'
  | 'session_not_found';

const STATUS: Record<SessionErrorCode, number> = {
  invalid_refresh_token: 401,
  refresh_token_reused: 401,
  session_revoked: 401,
  session_expired: 401,
  suspicious_refresh: 401,
  session_not_found: 404,
};

export class SessionError extends DomainError {
  constructor(code: SessionErrorCode, message: string) {
    super(code, STATUS[code], message);
  }

  static invalidRefreshToken(): SessionError {
    return new SessionError('invalid_refresh_token', 'The refresh token is invalid or expired.');
  }
}
