import { asDeliveryError, DeliveryError, parseRetryAfter } from './delivery-error';

describe('DeliveryError', () => {
  it('carries whether a retry can help', () => {
    expect(DeliveryError.transient('http_503', 'down')).toMatchObject({ code: 'http_503', retryable: true });
    expect(DeliveryError.permanent('http_422', 'bad')).toMatchObject({ code: 'http_422', retryable: false });
  });

  it('treats anything unclassified as transient', () => {
    expect(asDeliveryError(new Error('boom'))).toMatchObject({ code: 'unexpected', retryable: true, message: 'boom' });
    expect(asDeliveryError('text')).toMatchObject({ retryable: true, message: 'text' });
    const known = DeliveryError.permanent('smtp_550', 'no such user');
    expect(asDeliveryError(known)).toBe(known);
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    const now = new Date('2026-11-23T10:00:00.000Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
