import { scanOutcome } from './scan';

describe('scanOutcome', () => {
  it.each([
    [true, 'clean'],
    [false, 'not_scanned'],
  ] as const)('a clean verdict from a scanner that scans=%p is stored as %p', (scanned, status) => {
    expect(scanOutcome({ result: 'clean' }, { scanned, failOpen: false })).toEqual({ accepted: true, status });
  });

  it.each([false, true])('an infected verdict is always refused (failOpen=%p)', (failOpen) => {
    expect(scanOutcome({ result: 'infected', signature: 'Eicar-Test-Signature' }, { scanned: true, failOpen })).toEqual({
      accepted: false,
      reason: 'file_infected',
      signature: 'Eicar-Test-Signature',
    });
  });

  it('a scanner error refuses the upload by default (fail closed)', () => {
    expect(scanOutcome({ result: 'error', reason: 'ECONNREFUSED' }, { scanned: true, failOpen: false })).toEqual({
      accepted: false,
      reason: 'scan_unavailable',
      cause: 'ECONNREFUSED',
    });
  });

  it('a scanner error stores the file as scan_failed when failing open', () => {
    expect(scanOutcome({ result: 'error', reason: 'timeout' }, { scanned: true, failOpen: true })).toEqual({
      accepted: true,
      status: 'scan_failed',
    });
  });
});
