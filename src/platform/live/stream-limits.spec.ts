import { sseFrame, StreamLimits } from './stream-limits';

describe('StreamLimits', () => {
  const caps = { maxPerUser: 2, maxPerIp: 3, maxTotal: 4 };

  it('caps streams per user, then per address, then in all, and counts released streams out', () => {
    const limits = new StreamLimits(caps);
    const ada = { userId: 'ada', ip: '10.0.0.1' };
    expect(limits.admit(ada)).toBeNull();
    expect(limits.admit(ada)).toBeNull();
    expect(limits.admit(ada)).toBe('per_user');
    expect(limits.admit({ userId: null, ip: '10.0.0.1' })).toBeNull();
    expect(limits.admit({ userId: 'bob', ip: '10.0.0.1' })).toBe('per_ip');
    expect(limits.admit({ userId: 'bob', ip: '10.0.0.2' })).toBeNull();
    expect(limits.admit({ userId: 'cy', ip: '10.0.0.3' })).toBe('total');
    expect(limits.open).toBe(4);
    limits.release(ada);
    expect(limits.open).toBe(3);
    expect(limits.admit(ada)).toBeNull();
  });

  it('refuses everything once draining', () => {
    const limits = new StreamLimits(caps);
    limits.drain();
    expect(limits.admit({ userId: null, ip: '10.0.0.9' })).toBe('draining');
    expect(limits.open).toBe(0);
  });
});

describe('sseFrame', () => {
  it('writes id, event and the JSON data, ended by a blank line', () => {
    expect(sseFrame('audit', { a: 1 }, 42)).toBe('id: 42\nevent: audit\ndata: {"a":1}\n\n');
    expect(sseFrame('status', { s: 'ok' })).toBe('event: status\ndata: {"s":"ok"}\n\n');
  });

  it('keeps a value with a line break inside one data line (JSON escapes it)', () => {
    expect(sseFrame('x', { text: 'one\ntwo' })).toBe('event: x\ndata: {"text":"one\\ntwo"}\n\n');
  });
});
