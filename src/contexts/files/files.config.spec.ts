import { collectProblems, type EnvProblem, InvalidEnvironmentError } from '../../platform/config';
import { DEFAULT_ALLOWED_TYPES, DETECTABLE_TYPES, parseFilesConfig } from './files.config';

const problemsOf = (raw: Record<string, string>): EnvProblem[] => collectProblems(() => parseFilesConfig(raw, '/srv/bastion'));

describe('parseFilesConfig', () => {
  it('defaults: images, PDF and text, 10 MiB, db_files/uploads, logging scanner, fail closed', () => {
    expect(parseFilesConfig({}, '/srv/bastion')).toEqual({
      allowedTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'],
      maxBytes: 10 * 1024 * 1024,
      dir: '/srv/bastion/db_files/uploads',
      scanner: { kind: 'logging' },
      scanFailOpen: false,
    });
  });

  it('every default type is one uploads can be detected as', () => {
    for (const type of DEFAULT_ALLOWED_TYPES) expect(DETECTABLE_TYPES.has(type)).toBe(true);
  });

  it('reads explicit values, normalising and de-duplicating the allowlist', () => {
    expect(
      parseFilesConfig(
        {
          FILES_ALLOWED_TYPES: ' Image/PNG , application/zip,image/png,,',
          FILES_MAX_BYTES: '1048576',
          FILES_DIR: '/var/lib/bastion/files',
          FILES_SCANNER: 'clamd',
          CLAMD_HOST: 'clamav.internal',
          CLAMD_PORT: '3310',
          CLAMD_TIMEOUT_MS: '5000',
          FILES_SCAN_FAIL_OPEN: 'true',
        },
        '/srv/bastion',
      ),
    ).toEqual({
      allowedTypes: ['image/png', 'application/zip'],
      maxBytes: 1048576,
      dir: '/var/lib/bastion/files',
      scanner: { kind: 'clamd', host: 'clamav.internal', port: 3310, timeoutMs: 5000 },
      scanFailOpen: true,
    });
  });

  it('resolves a relative FILES_DIR against the working directory', () => {
    expect(parseFilesConfig({ FILES_DIR: 'data/files' }, '/srv/bastion').dir).toBe('/srv/bastion/data/files');
  });

  it('defaults the clamd timeout to 30 s', () => {
    expect(parseFilesConfig({ FILES_SCANNER: 'clamd', CLAMD_HOST: 'h', CLAMD_PORT: '1' }, '/').scanner).toEqual({
      kind: 'clamd',
      host: 'h',
      port: 1,
      timeoutMs: 30_000,
    });
  });

  it.each([
    ['FILES_ALLOWED_TYPES', 'text/html', /never detected as: text\/html/],
    ['FILES_ALLOWED_TYPES', 'image/png,image/svg+xml', /image\/svg\+xml/],
    ['FILES_ALLOWED_TYPES', 'png', /never detected as: png/],
    ['FILES_ALLOWED_TYPES', 'text/plain; charset=utf-8', /never detected as/],
    ['FILES_ALLOWED_TYPES', ' , ', /at least one/],
    ['FILES_MAX_BYTES', '0', /between 1 and 1073741824/],
    ['FILES_MAX_BYTES', '1073741825', /between 1 and 1073741824/],
    ['FILES_MAX_BYTES', '10MB', /whole number/],
    ['FILES_MAX_BYTES', '-5', /whole number/],
    ['FILES_SCANNER', 'virustotal', /must be one of logging\|clamd/],
    ['FILES_SCAN_FAIL_OPEN', 'maybe', /true or false/],
    ['CLAMD_PORT', '70000', /between 1 and 65535/],
    ['CLAMD_TIMEOUT_MS', '50', /between 100 and 600000/],
  ])('reports %s=%p by name', (variable, value, message) => {
    expect(problemsOf({ [variable]: value })).toEqual([{ variable, message: expect.stringMatching(message) }]);
  });

  it('requires CLAMD_HOST and CLAMD_PORT with FILES_SCANNER=clamd', () => {
    expect(problemsOf({ FILES_SCANNER: 'clamd' })).toEqual([
      { variable: 'CLAMD_HOST', message: 'is required when FILES_SCANNER=clamd' },
      { variable: 'CLAMD_PORT', message: 'is required when FILES_SCANNER=clamd' },
    ]);
  });

  it('reports every problem at once, in one error naming each variable', () => {
    let thrown: unknown;
    try {
      parseFilesConfig({ FILES_MAX_BYTES: 'x', FILES_ALLOWED_TYPES: 'text/html', FILES_SCANNER: 'clamd' }, '/');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEnvironmentError);
    expect((thrown as Error).message).toMatch(/FILES_ALLOWED_TYPES[\s\S]*FILES_MAX_BYTES[\s\S]*CLAMD_HOST[\s\S]*CLAMD_PORT/);
  });
});
