import { attachmentDisposition, FALLBACK_FILENAME, MAX_FILENAME_BYTES, sanitizeFilename } from './filename';

describe('sanitizeFilename', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['  spaced   out  name.txt ', 'spaced out name.txt'],
    ['Grüße 👋.txt', 'Grüße 👋.txt'],
  ])('keeps an ordinary name: %p → %p', (raw, expected) => {
    expect(sanitizeFilename(raw)).toBe(expected);
  });

  it.each([
    ['../../etc/passwd', 'passwd'],
    ['../../../../tmp/evil.png', 'evil.png'],
    ['..\\..\\windows\\system32\\evil.exe', 'evil.exe'],
    ['C:\\Users\\me\\photo.jpg', 'photo.jpg'],
    ['/absolute/path/to/file.txt', 'file.txt'],
    ['dir/', FALLBACK_FILENAME],
    ['..', FALLBACK_FILENAME],
    ['.', FALLBACK_FILENAME],
    ['../', FALLBACK_FILENAME],
  ])('keeps only the last path segment: %p → %p', (raw, expected) => {
    expect(sanitizeFilename(raw)).toBe(expected);
  });

  it('never returns a name with a path separator, control character or leading dot', () => {
    for (const raw of ['a/b\\c', '..\u0000/x', '.hidden', '...', 'a\u0007b\nc\r.txt', '\u001b[31mred.txt']) {
      const name = sanitizeFilename(raw);
      // eslint-disable-next-line no-control-regex
      expect(name).not.toMatch(/[/\\\u0000-\u001f\u007f]/);
      expect(name.startsWith('.')).toBe(false);
      expect(name.length).toBeGreaterThan(0);
    }
  });

  it('removes control characters and DEL', () => {
    expect(sanitizeFilename('in\u0000voi\u0007ce\u007f.pdf')).toBe('invoice.pdf');
    expect(sanitizeFilename('line\nbreak.txt')).toBe('linebreak.txt');
  });

  it('removes bidi overrides and zero-width characters that spoof extensions', () => {
    expect(sanitizeFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeFilename('a\u200Bb\u2066c\uFEFF.txt')).toBe('abc.txt');
  });

  it('normalises to NFC', () => {
    expect(sanitizeFilename('Cafe\u0301.txt')).toBe('Café.txt');
  });

  it('strips leading and trailing dots and blanks (no hidden files, no "name.")', () => {
    expect(sanitizeFilename('.bashrc')).toBe('bashrc');
    expect(sanitizeFilename(' notes.txt. ')).toBe('notes.txt');
  });

  it.each([undefined, null, '', '   ', '\u0000\u0001', '\u202E'])('falls back to "file" for %p', (raw) => {
    expect(sanitizeFilename(raw)).toBe(FALLBACK_FILENAME);
  });

  it('shortens an overlong name to 255 UTF-8 bytes, keeping its extension', () => {
    const name = sanitizeFilename(`${'a'.repeat(400)}.pdf`);
    expect(Buffer.byteLength(name)).toBe(MAX_FILENAME_BYTES);
    expect(name.endsWith('.pdf')).toBe(true);
  });

  it('never splits a multi-byte character when shortening', () => {
    const name = sanitizeFilename(`${'é'.repeat(200)}.txt`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
    expect(name).toBe(`${'é'.repeat(125)}.txt`);
    const emoji = sanitizeFilename('👋'.repeat(100));
    expect(Buffer.byteLength(emoji)).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
    expect([...emoji].every((c) => c === '👋')).toBe(true);
  });

  it('shortens a name whose "extension" is too long to keep as a whole', () => {
    const name = sanitizeFilename(`x.${'y'.repeat(300)}`);
    expect(Buffer.byteLength(name)).toBe(MAX_FILENAME_BYTES);
    expect(name.startsWith('x.')).toBe(true);
  });

  it('is idempotent', () => {
    for (const raw of ['../a.txt', `${'b'.repeat(300)}.png`, ' .x. ', 'Grüße.txt']) {
      expect(sanitizeFilename(sanitizeFilename(raw))).toBe(sanitizeFilename(raw));
    }
  });
});

describe('attachmentDisposition', () => {
  it('offers a plain ASCII name in both parameters', () => {
    expect(attachmentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  });

  it('percent-encodes UTF-8 in filename* and replaces non-ASCII in the fallback', () => {
    expect(attachmentDisposition('Grüße 👋.txt')).toBe(
      `attachment; filename="Gr__e _.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%F0%9F%91%8B.txt`,
    );
  });

  it('cannot be broken out of: quotes, semicolons and line breaks stay inside the value', () => {
    const header = attachmentDisposition('a"; filename="evil.html\r\nX-Injected: 1.txt');
    expect(header).not.toMatch(/[\r\n]/);
    expect(/filename="([^"]*)"/.exec(header)?.[1]).toBe('a_; filename=_evil.htmlX-Injected: 1.txt');
    expect(header).toContain(`filename*=UTF-8''a%22%3B%20filename%3D%22evil.htmlX-Injected%3A%201.txt`);
  });

  it('replaces % in the fallback (some clients would decode it)', () => {
    expect(attachmentDisposition('100%.txt')).toBe(`attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`);
  });

  it('encodes the RFC 8187 specials that encodeURIComponent leaves alone', () => {
    expect(attachmentDisposition("it's (1)*.txt")).toContain(`filename*=UTF-8''it%27s%20%281%29%2A.txt`);
  });

  it('sanitises the name it is given', () => {
    expect(attachmentDisposition('../../x.txt')).toBe(`attachment; filename="x.txt"; filename*=UTF-8''x.txt`);
  });
});
