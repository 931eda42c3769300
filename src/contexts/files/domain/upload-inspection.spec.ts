import { SAMPLE_BYTES } from './content-type';
import { SizeMeter, type SignatureDetector, UploadInspection } from './upload-inspection';

/** A stand-in for file-type: PNG and ELF by their magic bytes. */
const detect: SignatureDetector = (sample) => {
  const head = Buffer.from(sample.subarray(0, 8));
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return Promise.resolve('image/png');
  if (head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return Promise.resolve('application/x-elf');
  return Promise.resolve(undefined);
};

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);
const ALLOWED = new Set(['image/png', 'text/plain']);

function inspection(
  options: { maxBytes?: number; declaredType?: string; allowed?: Set<string>; detector?: SignatureDetector } = {},
) {
  return new UploadInspection({
    maxBytes: options.maxBytes ?? 1000,
    allowedTypes: options.allowed ?? ALLOWED,
    declaredType: options.declaredType,
    detect: options.detector ?? detect,
  });
}

async function feed(subject: UploadInspection, ...chunks: Uint8Array[]) {
  for (const chunk of chunks) {
    const rejection = await subject.push(chunk);
    if (rejection) return { stoppedAt: subject.size, rejection };
  }
  return { stoppedAt: undefined, result: await subject.finish() };
}

describe('SizeMeter', () => {
  it('is fine up to the limit and exceeded from the first byte past it', () => {
    const meter = new SizeMeter(10);
    expect(meter.add(4)).toBe(true);
    expect(meter.add(6)).toBe(true);
    expect(meter.exceeded).toBe(false);
    expect(meter.add(1)).toBe(false);
    expect(meter.exceeded).toBe(true);
    expect(meter.total).toBe(11);
  });
});

describe('UploadInspection', () => {
  it('accepts a file of exactly the limit', async () => {
    const outcome = await feed(inspection({ maxBytes: 100 }), PNG_MAGIC, Buffer.alloc(92));
    expect(outcome.result).toEqual({ accepted: true, contentType: 'image/png', size: 100 });
  });

  it('refuses at the first byte past the limit, without waiting for the end', async () => {
    const subject = inspection({ maxBytes: 100 });
    const outcome = await feed(subject, PNG_MAGIC, Buffer.alloc(92), Buffer.alloc(1), Buffer.alloc(1000));
    expect(outcome).toEqual({
      stoppedAt: 101,
      rejection: { reason: 'file_too_large', maxBytes: 100, receivedBytes: 101 },
    });
  });

  it('refuses an empty file', async () => {
    expect((await feed(inspection())).result).toEqual({ accepted: false, rejection: { reason: 'file_empty' } });
  });

  it('refuses a disallowed binary type as soon as the first 4100 bytes are in', async () => {
    const subject = inspection({ maxBytes: 1_000_000, declaredType: 'image/png' });
    const body = Buffer.concat([ELF_MAGIC, Buffer.alloc(SAMPLE_BYTES * 3)]);
    const outcome = await feed(subject, body.subarray(0, 4000), body.subarray(4000, 8000), body.subarray(8000));
    expect(outcome.stoppedAt).toBe(8000);
    expect(outcome.rejection).toEqual({
      reason: 'file_type_not_allowed',
      decision: { allowed: false, reason: 'not_allowed', detected: 'application/x-elf', declared: 'image/png' },
    });
  });

  it('refuses an allowed type declared as another one', async () => {
    const outcome = await feed(inspection({ declaredType: 'text/plain' }), PNG_MAGIC, Buffer.alloc(10));
    expect(outcome.result).toEqual({
      accepted: false,
      rejection: {
        reason: 'file_type_not_allowed',
        decision: { allowed: false, reason: 'declared_mismatch', detected: 'image/png', declared: 'text/plain' },
      },
    });
  });

  it('accepts UTF-8 text split anywhere, stored as text/plain', async () => {
    const text = Buffer.from('Grüße 👋\n'.repeat(1000));
    const outcome = await feed(
      inspection({ maxBytes: 1_000_000, declaredType: 'text/plain' }),
      text.subarray(0, 4099),
      text.subarray(4099),
    );
    expect(outcome.result).toEqual({ accepted: true, contentType: 'text/plain', size: text.length });
  });

  it('refuses text that turns out not to be UTF-8 after the sample', async () => {
    const subject = inspection({ maxBytes: 1_000_000 });
    const outcome = await feed(subject, Buffer.from('a'.repeat(SAMPLE_BYTES + 10)), Buffer.from([0x61, 0xff, 0x61]));
    expect(outcome.result).toEqual({
      accepted: false,
      rejection: {
        reason: 'file_type_not_allowed',
        decision: { allowed: false, reason: 'not_allowed', detected: 'application/octet-stream', declared: undefined },
      },
    });
  });

  it('refuses non-UTF-8 bytes inside the first 4100 at once', async () => {
    const outcome = await feed(
      inspection({ maxBytes: 1_000_000 }),
      Buffer.from([0xff, 0xfe, 0x41, 0x00]),
      Buffer.alloc(SAMPLE_BYTES),
    );
    expect(outcome.stoppedAt).toBe(SAMPLE_BYTES + 4);
    expect(outcome.rejection).toMatchObject({ decision: { detected: 'application/octet-stream' } });
  });

  it('refuses HTML at once, even declared as text/plain', async () => {
    const html = Buffer.from(`<!DOCTYPE html><html><body><script>alert(1)</script>${' '.repeat(SAMPLE_BYTES)}</body></html>`);
    const outcome = await feed(inspection({ maxBytes: 1_000_000, declaredType: 'text/plain' }), html);
    expect(outcome.rejection).toMatchObject({ reason: 'file_type_not_allowed', decision: { detected: 'text/html' } });
  });

  it('refuses unrecognised binary content as application/octet-stream', async () => {
    const outcome = await feed(inspection(), Buffer.from([0x00, 0x01, 0x02, 0x03]));
    expect(outcome.result).toMatchObject({ accepted: false, rejection: { decision: { detected: 'application/octet-stream' } } });
  });

  it('refuses text early when text/plain is not allowed', async () => {
    const subject = inspection({ maxBytes: 1_000_000, allowed: new Set(['image/png']) });
    const outcome = await feed(subject, Buffer.from('x'.repeat(SAMPLE_BYTES)), Buffer.from('more'));
    expect(outcome.stoppedAt).toBe(SAMPLE_BYTES);
    expect(outcome.rejection).toMatchObject({ decision: { detected: 'text/plain', reason: 'not_allowed' } });
  });

  it('asks the detector once, with the first 4100 bytes only', async () => {
    const seen: number[] = [];
    const spy: SignatureDetector = (sample) => {
      seen.push(sample.length);
      return detect(sample);
    };
    await feed(inspection({ maxBytes: 1_000_000, detector: spy }), PNG_MAGIC, Buffer.alloc(20_000), Buffer.alloc(5));
    expect(seen).toEqual([SAMPLE_BYTES]);
  });

  it('asks the detector with the whole file when it is shorter than the sample', async () => {
    const seen: number[] = [];
    const spy: SignatureDetector = (sample) => {
      seen.push(sample.length);
      return detect(sample);
    };
    await feed(inspection({ detector: spy }), Buffer.from('short'));
    expect(seen).toEqual([5]);
  });
});
