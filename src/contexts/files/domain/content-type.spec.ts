import {
  classifyUnsigned,
  decideType,
  declarationMatches,
  hasBinaryBytes,
  normaliseMediaType,
  OCTET_STREAM,
  sniffMarkup,
  TEXT_PLAIN,
  TextCheck,
} from './content-type';

const bytes = (value: string): Uint8Array => Buffer.from(value, 'utf8');

describe('normaliseMediaType', () => {
  it.each([
    ['image/png', 'image/png'],
    ['Image/PNG', 'image/png'],
    [' text/plain; charset=UTF-8 ', 'text/plain'],
    [
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
  ])('%p → %p', (raw, expected) => {
    expect(normaliseMediaType(raw)).toBe(expected);
  });

  it.each([undefined, null, '', '   ', 'png', 'image/', '/png', 'image/png/x', 'image png', 'text/<script>'])(
    'is undefined for %p',
    (raw) => {
      expect(normaliseMediaType(raw)).toBeUndefined();
    },
  );
});

describe('hasBinaryBytes', () => {
  it('accepts tab, line feed, form feed, carriage return and escape', () => {
    expect(hasBinaryBytes(Uint8Array.from([0x09, 0x0a, 0x0c, 0x0d, 0x1b, 0x20, 0x7e, 0x7f, 0xc3, 0xa9]))).toBe(false);
  });

  it.each([0x00, 0x01, 0x08, 0x0b, 0x0e, 0x1a, 0x1c, 0x1f])('flags 0x%s', (byte) => {
    expect(hasBinaryBytes(Uint8Array.from([0x41, byte, 0x41]))).toBe(true);
  });
});

describe('sniffMarkup', () => {
  it.each([
    '<!DOCTYPE html><html></html>',
    '<html>',
    '  \n\t<HTML lang="en">',
    '<script>alert(1)</script>',
    '<iframe src="x">',
    '<body>',
    '<p>hi</p>',
    '<a href="x">',
    '<!-- comment -->',
    '\uFEFF<html>',
  ])('recognises HTML at the start: %p', (text) => {
    expect(sniffMarkup(bytes(text))).toBe('text/html');
  });

  it('recognises XML and SVG', () => {
    expect(sniffMarkup(bytes('<?xml version="1.0"?><x/>'))).toBe('text/xml');
    expect(sniffMarkup(bytes('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'))).toBe('image/svg+xml');
  });

  it.each(['hello <html>', '<htmlish>', '<abbr>', 'Dear reader,\n<p> is a tag', '<', '', 'a < b > c'])(
    'leaves text that does not open with markup alone: %p',
    (text) => {
      expect(sniffMarkup(bytes(text))).toBeUndefined();
    },
  );
});

describe('TextCheck', () => {
  it('accepts UTF-8 text fed in one piece', () => {
    const check = new TextCheck();
    expect(check.push(bytes('Grüße, 👋 world\n'))).toBe(true);
    expect(check.finish()).toBe(true);
  });

  it('accepts a multi-byte character split across chunks at every position', () => {
    const all = bytes('a👋é€b');
    for (let cut = 1; cut < all.length; cut++) {
      const check = new TextCheck();
      check.push(all.subarray(0, cut));
      check.push(all.subarray(cut));
      expect(check.finish()).toBe(true);
    }
  });

  it('accepts a text fed one byte at a time', () => {
    const check = new TextCheck();
    for (const byte of bytes('ü€👋 ok')) check.push(Uint8Array.of(byte));
    expect(check.finish()).toBe(true);
  });

  it.each([
    ['an invalid lead byte', Uint8Array.from([0x61, 0xff, 0x61])],
    ['a lone continuation byte', Uint8Array.from([0x61, 0x80])],
    ['an overlong encoding', Uint8Array.from([0xc0, 0xaf])],
    ['a UTF-16 surrogate', Uint8Array.from([0xed, 0xa0, 0x80])],
    ['a NUL byte', Uint8Array.from([0x61, 0x00, 0x62])],
    ['Latin-1 text', Buffer.from('café', 'latin1')],
  ])('refuses %s', (_label, data) => {
    const check = new TextCheck();
    check.push(data);
    expect(check.finish()).toBe(false);
  });

  it('refuses a character cut off at the very end', () => {
    const check = new TextCheck();
    expect(check.push(bytes('ok 👋').subarray(0, 5))).toBe(true);
    expect(check.finish()).toBe(false);
  });

  it('stays refused once refused', () => {
    const check = new TextCheck();
    check.push(Uint8Array.of(0x00));
    expect(check.push(bytes('fine'))).toBe(false);
    expect(check.isText).toBe(false);
  });
});

describe('classifyUnsigned', () => {
  it('is text/plain for text, the markup type for markup, octet-stream for non-text', () => {
    expect(classifyUnsigned(bytes('hello'), true)).toBe(TEXT_PLAIN);
    expect(classifyUnsigned(bytes('<html>'), true)).toBe('text/html');
    expect(classifyUnsigned(bytes('<html>'), false)).toBe(OCTET_STREAM);
  });
});

describe('declarationMatches', () => {
  it('treats an absent or generic declaration as no claim', () => {
    expect(declarationMatches(undefined, 'image/png')).toBe(true);
    expect(declarationMatches('application/octet-stream', 'image/png')).toBe(true);
  });

  it('accepts the detected type and its known aliases only', () => {
    expect(declarationMatches('image/png', 'image/png')).toBe(true);
    expect(declarationMatches('image/jpg', 'image/jpeg')).toBe(true);
    expect(declarationMatches('text/csv', 'text/plain')).toBe(true);
    expect(declarationMatches('image/png', 'image/jpeg')).toBe(false);
    expect(declarationMatches('image/png', 'application/x-elf')).toBe(false);
    expect(declarationMatches('text/plain', 'text/html')).toBe(false);
    expect(declarationMatches('text/html', 'text/plain')).toBe(false);
  });
});

describe('decideType', () => {
  const allowed = new Set(['image/png', 'image/jpeg', 'application/pdf', 'text/plain']);

  it('stores the detected type, not the declared one', () => {
    expect(decideType({ detected: 'image/jpeg', declared: 'image/jpg', allowed })).toEqual({
      allowed: true,
      contentType: 'image/jpeg',
    });
    expect(decideType({ detected: 'image/png', declared: undefined, allowed })).toEqual({
      allowed: true,
      contentType: 'image/png',
    });
  });

  it('refuses a type outside the allowlist, whatever was declared', () => {
    expect(decideType({ detected: 'application/x-elf', declared: 'image/png', allowed })).toEqual({
      allowed: false,
      reason: 'not_allowed',
      detected: 'application/x-elf',
      declared: 'image/png',
    });
    expect(decideType({ detected: 'text/html', declared: 'text/html', allowed })).toMatchObject({
      allowed: false,
      reason: 'not_allowed',
    });
  });

  it('refuses an allowed type declared as another type', () => {
    expect(decideType({ detected: 'image/jpeg', declared: 'image/png', allowed })).toEqual({
      allowed: false,
      reason: 'declared_mismatch',
      detected: 'image/jpeg',
      declared: 'image/png',
    });
    expect(decideType({ detected: 'text/plain', declared: 'application/pdf', allowed })).toMatchObject({
      allowed: false,
      reason: 'declared_mismatch',
    });
  });
});
