import { validate } from 'class-validator';
import { IsDateTime, isDateTime } from './date-time';

describe('isDateTime', () => {
  it.each(['2026-12-01T10:00:00Z', '2026-12-01T10:00:00.123Z', '2026-12-01T10:00:00+02:00', '2024-02-29T00:00:00z'])(
    'accepts %p',
    (value) => expect(isDateTime(value)).toBe(true),
  );

  it.each([
    // ISO 8601 forms that Date cannot read (each used to reach PostgreSQL as an Invalid Date).
    '2027-W10-3',
    '20270630T100000Z',
    '2027-06-30T10Z',
    // Not a calendar day, no offset, a date alone, not a string.
    '2026-02-30T00:00:00Z',
    '2026-12-01T10:00:00',
    '2026-12-01',
    '2026-12-01 10:00:00Z',
    12345,
    null,
  ])('refuses %p', (value) => expect(isDateTime(value)).toBe(false));
});

describe('@IsDateTime', () => {
  class Probe {
    @IsDateTime()
    at: unknown;
  }

  it('reports a refused value under the is_iso8601 constraint, with a message that names the form', async () => {
    const probe = Object.assign(new Probe(), { at: '2027-W10-3' });
    const [error] = await validate(probe);
    expect(error.constraints).toEqual({ isIso8601: 'at must be an RFC 3339 date-time such as 2026-12-01T10:00:00Z' });
    expect(await validate(Object.assign(new Probe(), { at: '2026-12-01T10:00:00Z' }))).toEqual([]);
  });
});
