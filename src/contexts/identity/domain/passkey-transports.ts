/** The ways an authenticator can be reached, as WebAuthn names them (Level 3, and `cable`, `hybrid`'s older name). */
export const PASSKEY_TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;
export type PasskeyTransport = (typeof PASSKEY_TRANSPORTS)[number];

const KNOWN = new Set<string>(PASSKEY_TRANSPORTS);

/**
 * The transports of a passkey as the client reported them, kept to the known names, once each,
 * in the order given. The WebAuthn library passes the client's `transports` through unchecked,
 * so a string, objects or 100 kB entries arrived here and went back out in every list and
 * ceremony's options; anything else than a known name is dropped.
 */
export function knownTransports(value: unknown): PasskeyTransport[] {
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((t): t is PasskeyTransport => typeof t === 'string' && KNOWN.has(t)))];
}
