/**
 * Step-up: sensitive actions need the session's user to have proved who they are recently.
 * `authTime` is the access token's `auth_time` claim (seconds since the epoch); a token without
 * one (an API key, or a token older than the claim) is never recent.
 */
export function isRecentAuthentication(authTime: number | null | undefined, now: Date, maxAgeSeconds: number): boolean {
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) return false;
  return now.getTime() / 1000 - authTime <= maxAgeSeconds;
}

/** The ways a session's user can prove who they are again (`POST /auth/reauthenticate`). */
export type ReauthenticationMethod = 'password' | 'totp' | 'recovery_code' | 'passkey';
