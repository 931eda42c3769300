import { checkPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, type PasswordContext } from './password-policy';

const CONTEXT: PasswordContext = { email: 'ada@example.com', minScore: 3 };
const STRONG = 'correct-horse-battery-staple-42';

const codes = (password: string, context: PasswordContext = CONTEXT): string[] =>
  checkPassword(password, context).map((failure) => failure.code);

describe('checkPassword', () => {
  it('accepts a strong passphrase', () => {
    expect(checkPassword(STRONG, CONTEXT)).toEqual([]);
  });

  describe('length', () => {
    it('has the documented bounds', () => {
      expect(PASSWORD_MIN_LENGTH).toBe(12);
      expect(PASSWORD_MAX_LENGTH).toBe(128);
    });

    it('reports too_short below 12 characters', () => {
      const failures = checkPassword('zQ7#pL2!vX9', CONTEXT);
      expect(failures).toContainEqual({ field: 'password', code: 'too_short', message: 'Use at least 12 characters.' });
    });

    it('does not report too_short at exactly 12 characters', () => {
      expect(codes('zQ7#pL2!vX9&')).not.toContain('too_short');
    });

    it('accepts exactly 128 characters', () => {
      const password = STRONG.padEnd(PASSWORD_MAX_LENGTH, 'z');
      expect([...password]).toHaveLength(128);
      expect(checkPassword(password, CONTEXT)).toEqual([]);
    });

    it('reports only too_long above 128 characters', () => {
      expect(checkPassword(STRONG.padEnd(129, 'z'), CONTEXT)).toEqual([
        { field: 'password', code: 'too_long', message: 'Use at most 128 characters.' },
      ]);
    });

    it('skips the email and strength checks for an over-long password', () => {
      // Weak and containing the email local part, yet only the length is reported.
      expect(codes(`ada${'a'.repeat(200)}`)).toEqual(['too_long']);
    });

    it('counts characters, not UTF-16 code units', () => {
      const twelveEmoji = '🐴'.repeat(12); // 24 UTF-16 units
      expect(twelveEmoji).toHaveLength(24);
      expect(codes(twelveEmoji)).not.toContain('too_short');
      expect(codes('🐴'.repeat(11))).toContain('too_short');
    });

    it('does not report too_long for 100 emoji (200 UTF-16 units)', () => {
      expect(codes('🐴'.repeat(100))).not.toContain('too_long');
    });
  });

  describe('contains_email', () => {
    it('reports a password containing the email local part', () => {
      expect(checkPassword('ada-correct-horse-battery-staple-42', CONTEXT)).toContainEqual({
        field: 'password',
        code: 'contains_email',
        message: 'Do not include your email address in the password.',
      });
    });

    it('matches case-insensitively on both sides', () => {
      expect(codes('xADAcorrect-horse-battery-staple')).toContain('contains_email');
      expect(codes('ada-correct-horse-battery-staple-42', { ...CONTEXT, email: 'ADA@Example.com' })).toContain('contains_email');
    });

    it('reports a password containing the whole email', () => {
      expect(codes('horse-ada@example.com-staple')).toContain('contains_email');
    });

    it('does not check a local part shorter than 3 characters', () => {
      expect(checkPassword('bo-correct-horse-battery-staple-42', { ...CONTEXT, email: 'bo@example.com' })).toEqual([]);
    });

    it('does not report a password without the local part', () => {
      expect(codes(STRONG)).not.toContain('contains_email');
    });
  });

  describe('too_weak', () => {
    it.each(['password1234', 'qwertyuiop12', 'aaaaaaaaaaaa'])('reports %s as too weak', (password) => {
      const failures = checkPassword(password, CONTEXT);
      expect(failures.map((f) => f.code)).toEqual(['too_weak']);
      expect(failures[0].field).toBe('password');
      expect(failures[0].message).toMatch(/^Too easy to guess \(strength [0-4]\/4, need 3\)\./);
    });

    it('includes the zxcvbn feedback in the message', () => {
      const [failure] = checkPassword('password1234', CONTEXT);
      expect(failure.message.length).toBeGreaterThan('Too easy to guess (strength 0/4, need 3).'.length);
    });

    it('follows the configured minimum score', () => {
      expect(codes('password1234', { ...CONTEXT, minScore: 0 })).toEqual([]);
      expect(codes('zQ7#pL2!vX9&', { ...CONTEXT, minScore: 0 })).toEqual([]);
    });
  });

  describe('field name', () => {
    it("defaults to 'password'", () => {
      const failures = checkPassword('ada', CONTEXT);
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((f) => f.field === 'password')).toBe(true);
    });

    it('uses the field name passed in on every failure', () => {
      const failures = checkPassword('ada', CONTEXT, 'new_password');
      expect(failures.map((f) => f.code)).toEqual(['too_short', 'contains_email', 'too_weak']);
      expect(failures.every((f) => f.field === 'new_password')).toBe(true);
    });

    it('uses the field name passed in for too_long', () => {
      expect(checkPassword('z'.repeat(129), CONTEXT, 'new_password')).toEqual([
        { field: 'new_password', code: 'too_long', message: 'Use at most 128 characters.' },
      ]);
    });
  });

  it('reports several failures together, in rule order', () => {
    expect(codes('ada1')).toEqual(['too_short', 'contains_email', 'too_weak']);
    expect(codes('passw0rd')).toEqual(['too_short', 'too_weak']);
  });
});
