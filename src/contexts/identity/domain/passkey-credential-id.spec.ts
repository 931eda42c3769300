import { CREDENTIAL_ID_MAX_BYTES, credentialIdFits } from './passkey-credential-id';

const idOf = (bytes: number): string => Buffer.alloc(bytes, 0xa5).toString('base64url');

describe('credentialIdFits', () => {
  it('takes credential ids up to 1023 bytes, whatever base64url tail their length gives', () => {
    expect(CREDENTIAL_ID_MAX_BYTES).toBe(1023);
    for (const bytes of [1, 16, 32, 64, 1021, 1022, 1023]) expect(credentialIdFits(idOf(bytes))).toBe(true);
  });

  it('refuses longer ones, from 1024 bytes (1366 characters: one that still fitted the column) on', () => {
    expect(idOf(1024)).toHaveLength(1366);
    for (const bytes of [1024, 1025, 1026, 2000, 65_535]) expect(credentialIdFits(idOf(bytes))).toBe(false);
  });
});
