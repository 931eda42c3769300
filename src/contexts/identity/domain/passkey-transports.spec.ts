import { knownTransports } from './passkey-transports';

describe('knownTransports', () => {
  it('keeps the known names, once each, in the order given', () => {
    expect(knownTransports(['internal', 'hybrid', 'usb', 'internal'])).toEqual(['internal', 'hybrid', 'usb']);
  });

  it.each([
    ['a string', 'usb-usb-usb-usb', []],
    ['objects and numbers', [{ evil: 'x'.repeat(1000) }, 42, 'nfc'], ['nfc']],
    ['an unknown or oversized name', ['x'.repeat(100_000), 'USB', 'usb'], ['usb']],
    ['nothing', undefined, []],
    ['null', null, []],
  ])('drops what is not a known name: %s', (_what, value, kept) => {
    expect(knownTransports(value)).toEqual(kept);
  });
});
