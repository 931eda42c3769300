import { DomainError, ValidationFailedError } from './problem';
import { frameworkErrorProblem, MAX_PATH_PARAM_LENGTH } from './framework-errors';

describe('frameworkErrorProblem', () => {
  it('a malformed percent-encoding is 400 validation_failed on the path', () => {
    const problem = frameworkErrorProblem({ code: 'FST_ERR_BAD_URL' });
    expect(problem).toBeInstanceOf(ValidationFailedError);
    expect(problem.options.errors).toEqual([expect.objectContaining({ field: 'path', code: 'invalid_encoding' })]);
  });

  it('an over-long path parameter is 400 validation_failed too (no route documents 414)', () => {
    const problem = frameworkErrorProblem({ code: 'FST_ERR_MAX_PARAM_LENGTH' });
    expect(problem.status).toBe(400);
    expect(problem.code).toBe('validation_failed');
    expect(problem.options.errors).toEqual([
      { field: 'path', code: 'max_length', message: `a path parameter must be at most ${MAX_PATH_PARAM_LENGTH} characters` },
    ]);
  });

  it('anything else the router raises is a 500 without internals', () => {
    const problem = frameworkErrorProblem({ code: 'FST_ERR_ASYNC_CONSTRAINT' });
    expect(problem).toBeInstanceOf(DomainError);
    expect(problem).toMatchObject({ status: 500, code: 'internal_error' });
  });
});
