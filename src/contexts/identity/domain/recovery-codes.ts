import { createHash, randomInt } from 'node:crypto';

/** No 0/o, 1/l/i: easy to read back from paper. 31 symbols, 10 per code ≈ 49.5 bits. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const RECOVERY_CODE_COUNT = 10;

/** `k7m2p-x9qr4`: ten symbols in two groups. */
export function newRecoveryCode(): string {
  const symbols = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return `${symbols.slice(0, 5).join('')}-${symbols.slice(5).join('')}`;
}

/** What a user may type: any case, with or without the dash or spaces. */
export function normalizeRecoveryCode(input: string): string | null {
  const compact = input.toLowerCase().replace(/[\s-]/g, '');
  if (compact.length !== 10 || [...compact].some((c) => !ALPHABET.includes(c))) return null;
  return compact;
}

/** Codes are random, so a salted fast hash is enough; the user id keeps equal codes of two users apart. */
export function hashRecoveryCode(userId: string, normalized: string): string {
  return createHash('sha256').update(`recovery:${userId}:${normalized}`, 'utf8').digest('hex');
}
