/**
 * The longest credential id WebAuthn allows, in bytes (Web Authentication Level 3, "credential
 * ID": at most 1023 bytes). Stored as base64url, 1023 bytes take 1364 characters: within the
 * column's 1366.
 */
export const CREDENTIAL_ID_MAX_BYTES = 1023;

/** Whether a base64url credential id (as the authenticator data gave it) is one WebAuthn allows. */
export function credentialIdFits(base64url: string): boolean {
  // Each 4 characters hold 3 bytes; a tail of 2 or 3 characters holds 1 or 2.
  return Math.floor((base64url.length * 3) / 4) <= CREDENTIAL_ID_MAX_BYTES;
}
