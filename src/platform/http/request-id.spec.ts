import type { IncomingMessage } from 'node:http';
import { isSaneRequestId, REQUEST_ID_HEADER, requestIdFor } from './request-id';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function requestWith(header: unknown): IncomingMessage {
  const headers: Record<string, unknown> = header === undefined ? {} : { [REQUEST_ID_HEADER]: header };
  return { headers } as unknown as IncomingMessage;
}

describe('requestIdFor', () => {
  it.each(['abc-123', 'a', 'trace.1:span@host_x-y', '0f8fad5b-d9cb-469f-a165-70867728950e', 'x'.repeat(128)])(
    'keeps the sane client id %p',
    (id) => {
      expect(requestIdFor(requestWith(id))).toBe(id);
    },
  );

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['with spaces', 'abc 123'],
    ['too long', 'x'.repeat(129)],
    ['with a newline (log injection)', 'abc\ninjected'],
    ['with quotes and angle brackets', '"><script>'],
    ['non-ASCII', 'ïd'],
    ['repeated (an array)', ['a', 'b']],
    ['a number', 42],
  ])('replaces a %s id with a fresh UUID v4', (_label, header) => {
    expect(requestIdFor(requestWith(header))).toMatch(UUID_V4);
  });

  it('generates a different id for each request without a sane one', () => {
    const ids = new Set(Array.from({ length: 20 }, () => requestIdFor(requestWith(undefined))));
    expect(ids.size).toBe(20);
  });

  it('leaves the raw request as Node made it (Fastify keeps the id as request.id)', () => {
    const req = requestWith('abc-123');
    requestIdFor(req);
    expect(Object.keys(req)).toEqual(['headers']);
  });

  it('reads the lower-case header name Node gives', () => {
    expect(REQUEST_ID_HEADER).toBe('x-request-id');
  });
});

describe('isSaneRequestId', () => {
  it('accepts 1 to 128 safe characters only', () => {
    expect(isSaneRequestId('A-z_0.9:@')).toBe(true);
    expect(isSaneRequestId('x'.repeat(128))).toBe(true);
    expect(isSaneRequestId('x'.repeat(129))).toBe(false);
    expect(isSaneRequestId('')).toBe(false);
    expect(isSaneRequestId('a/b')).toBe(false);
    expect(isSaneRequestId(null)).toBe(false);
    expect(isSaneRequestId({ toString: () => 'abc' })).toBe(false);
  });
});
