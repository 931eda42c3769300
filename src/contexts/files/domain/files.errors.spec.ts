import { DomainError } from '../../../platform/http/problem';
import { FilesError, UPLOAD_REJECTION_REASONS } from './files.errors';

describe('FilesError', () => {
  it.each([
    [FilesError.notMultipart(), 415, 'not_multipart'],
    [FilesError.malformedMultipart(), 400, 'malformed_multipart'],
    [FilesError.fileMissing(), 400, 'file_missing'],
    [FilesError.tooManyFiles(), 400, 'too_many_files'],
    [FilesError.unexpectedField('note'), 400, 'unexpected_field'],
    [FilesError.empty(), 400, 'file_empty'],
    [FilesError.tooLarge(10 * 1024 * 1024), 413, 'file_too_large'],
    [
      FilesError.typeNotAllowed({ detected: 'text/html', declared: undefined, reason: 'not_allowed', allowed: [] }),
      415,
      'file_type_not_allowed',
    ],
    [FilesError.infected('Eicar-Test-Signature'), 422, 'file_infected'],
    [FilesError.scanUnavailable(), 503, 'scan_unavailable'],
  ])('%p is a %p upload rejection with code %p', (error, status, code) => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status, code, rejection: code });
  });

  it('covers every rejection reason with a constructor above', () => {
    expect(UPLOAD_REJECTION_REASONS).toHaveLength(10);
  });

  it.each([FilesError.notFound(), FilesError.contentMissing()])('%p is not an upload rejection', (error) => {
    expect(error.rejection).toBeUndefined();
  });

  it('states the limit in MiB and as max_bytes', () => {
    const error = FilesError.tooLarge(10 * 1024 * 1024);
    expect(error.message).toContain('10 MiB');
    expect(error.options.extensions).toEqual({ max_bytes: 10 * 1024 * 1024 });
    expect(FilesError.tooLarge(1500).message).toContain('1500 bytes');
  });

  it('names the detected and declared types of a refused type', () => {
    const error = FilesError.typeNotAllowed({
      detected: 'application/x-elf',
      declared: 'image/png',
      reason: 'declared_mismatch',
      allowed: ['image/png'],
    });
    expect(error.message).toBe('The content is application/x-elf, but it was declared as image/png.');
    expect(error.options.extensions).toEqual({
      detected_type: 'application/x-elf',
      declared_type: 'image/png',
      allowed_types: ['image/png'],
    });
  });

  it('tells a client when to retry a scan', () => {
    expect(FilesError.scanUnavailable().options.headers).toEqual({ 'retry-after': '30' });
  });
});
