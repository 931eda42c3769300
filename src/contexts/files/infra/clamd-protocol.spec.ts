import { chunkHeader, END_OF_STREAM, INSTREAM_COMMAND, parseClamdReply } from './clamd-protocol';

describe('clamd protocol', () => {
  it('frames INSTREAM as clamd expects', () => {
    expect(INSTREAM_COMMAND.toString('latin1')).toBe('zINSTREAM\0');
    expect(END_OF_STREAM).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(chunkHeader(65536)).toEqual(Buffer.from([0x00, 0x01, 0x00, 0x00]));
    expect(chunkHeader(1)).toEqual(Buffer.from([0, 0, 0, 1]));
  });

  it.each([
    ['stream: OK\0', { result: 'clean' }],
    ['stream: OK', { result: 'clean' }],
    ['stream: OK\n', { result: 'clean' }],
    ['stream: Eicar-Test-Signature FOUND\0', { result: 'infected', signature: 'Eicar-Test-Signature' }],
    ['stream: Win.Trojan.Agent-123 FOUND', { result: 'infected', signature: 'Win.Trojan.Agent-123' }],
    ['1: stream: OK', { result: 'clean' }],
  ])('parses %p', (reply, verdict) => {
    expect(parseClamdReply(reply)).toEqual(verdict);
  });

  it.each(['INSTREAM size limit exceeded. ERROR', "stream: Can't allocate memory ERROR"])(
    'turns an ERROR reply into an error verdict: %p',
    (reply) => {
      expect(parseClamdReply(reply)).toEqual({ result: 'error', reason: `clamd: ${reply}` });
    },
  );

  it('turns anything else into an error verdict', () => {
    expect(parseClamdReply('hello there')).toEqual({ result: 'error', reason: 'clamd: unexpected reply "hello there"' });
    expect(parseClamdReply('')).toMatchObject({ result: 'error' });
  });

  it('keeps only printable ASCII of a signature name', () => {
    expect(parseClamdReply('stream: Bad\u001b[31mName FOUND')).toEqual({ result: 'infected', signature: 'Bad[31mName' });
  });
});
