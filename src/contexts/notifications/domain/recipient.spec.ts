import { isChannel, isValidRecipient, maskEmail, maskPhone, maskRecipient, redactRecipient } from './recipient';

describe('recipients', () => {
  it.each([
    ['jane.doe@example.com', 'j***@example.com'],
    ['JD@Example.COM', 'J***@Example.COM'],
    ['j@example.com', '***@example.com'],
    ['a.b+tag@sub.example.org', 'a***@sub.example.org'],
    ['not-an-address', '***'],
    ['@example.com', '***'],
    ['jane@', '***'],
  ])('maskEmail(%p) = %p', (input, masked) => {
    expect(maskEmail(input)).toBe(masked);
  });

  it.each([
    ['+4915112345689', '+49*********89'],
    ['+49123456789', '+49*******89'],
    ['+4912345689', '+49******89'],
    ['4915112345689', '+49*********89'],
    ['+12345', '***'],
    ['+49 151 1234', '***'],
  ])('maskPhone(%p) = %p', (input, masked) => {
    expect(maskPhone(input)).toBe(masked);
  });

  it('keeps the length visible: one star per hidden digit', () => {
    for (let digits = 6; digits <= 15; digits++) {
      const number = `+49${'7'.repeat(digits - 4)}89`;
      expect(maskPhone(number)).toBe(`+49${'*'.repeat(digits - 4)}89`);
    }
  });

  it('never leaves the middle of an address or number visible', () => {
    expect(maskRecipient('email', 'secret.person@example.com')).not.toContain('secret');
    expect(maskRecipient('whatsapp', '+4915187654321')).not.toContain('876543');
  });

  it('redacts the recipient from provider error texts, with and without the plus', () => {
    expect(redactRecipient('550 <jane.doe@example.com>: user unknown', 'email', 'jane.doe@example.com')).toBe(
      '550 <j***@example.com>: user unknown',
    );
    expect(redactRecipient('Recipient 4915112345689 not on WhatsApp', 'whatsapp', '+4915112345689')).toBe(
      'Recipient +49*********89 not on WhatsApp',
    );
  });

  it.each([
    ['email', 'jane@example.com', true],
    ['email', 'Jane <jane@example.com>', false],
    ['email', 'jane@localhost', false],
    ['email', ' jane@example.com', false],
    ['email', '+4915112345678', false],
    ['whatsapp', '+4915112345678', true],
    ['whatsapp', '4915112345678', false],
    ['whatsapp', '+0915112345678', false],
    ['whatsapp', '+49 151 12345678', false],
    ['whatsapp', '+1234567890123456', false],
    ['whatsapp', 'jane@example.com', false],
  ] as const)('isValidRecipient(%s, %p) = %p', (channel, to, valid) => {
    expect(isValidRecipient(channel, to)).toBe(valid);
  });

  it('knows its channels', () => {
    expect(isChannel('email')).toBe(true);
    expect(isChannel('whatsapp')).toBe(true);
    expect(isChannel('sms')).toBe(false);
    expect(isChannel(undefined)).toBe(false);
  });
});
