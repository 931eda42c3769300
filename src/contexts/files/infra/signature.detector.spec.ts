import { detectSignature } from './signature.detector';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('detectSignature (file-type, loaded through require(esm))', () => {
  it.each([
    ['a PNG', PNG, 'image/png'],
    ['a JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]), 'image/jpeg'],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'image/gif'],
    ['a PDF', Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'), 'application/pdf'],
    [
      'an ELF executable',
      Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01]), Buffer.alloc(100)]),
      'application/x-elf',
    ],
    ['a ZIP', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]), 'application/zip'],
  ])('recognises %s', async (_label, sample, mime) => {
    expect(await detectSignature(sample)).toBe(mime);
  });

  it.each([
    ['plain text', Buffer.from('just some text\n')],
    ['HTML', Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>')],
    ['random bytes', Buffer.from([0x00, 0x13, 0x37, 0x42])],
  ])('recognises no signature in %s', async (_label, sample) => {
    expect(await detectSignature(sample)).toBeUndefined();
  });
});
