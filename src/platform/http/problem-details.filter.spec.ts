import {
  type ArgumentsHost,
  BadRequestException,
  ForbiddenException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ProblemDetailsFilter } from './problem-details.filter';
import { DomainError, PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, type ProblemDetails } from './problem';

const REQUEST_ID = 'req-123';

function expectProblemShape(body: ProblemDetails): void {
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(new RegExp(`^${PROBLEM_TYPE_BASE}[a-z-]+$`)),
      title: expect.any(String),
      status: expect.any(Number),
      detail: expect.any(String),
      code: expect.stringMatching(/^[a-z_]+$/),
      request_id: REQUEST_ID,
    }),
  );
  expect(body.type).toBe(`${PROBLEM_TYPE_BASE}${body.code.replace(/_/g, '-')}`);
}

/** A Fastify request error as the adapter wraps it: an HttpException whose `cause` is the Fastify error. */
function wrappedFastifyError(code: string, statusCode: number, message: string): HttpException {
  const cause = Object.assign(new Error(message), { code, statusCode });
  return new HttpException(message, statusCode, { cause });
}

describe('ProblemDetailsFilter.map', () => {
  const filter = new ProblemDetailsFilter();

  describe('DomainError', () => {
    it('keeps code, status, detail, errors, extensions and headers', () => {
      const error = new DomainError('too_many_attempts', 429, 'Slow down.', {
        errors: [{ field: 'email', code: 'locked', message: 'Locked for a while.' }],
        extensions: { retry_after: 30 },
        headers: { 'Retry-After': '30' },
      });
      const { body, headers } = filter.map(error, REQUEST_ID, '/api/v1/auth/token');
      expectProblemShape(body);
      expect(body).toEqual({
        type: `${PROBLEM_TYPE_BASE}too-many-attempts`,
        title: 'Too Many Requests',
        status: 429,
        detail: 'Slow down.',
        code: 'too_many_attempts',
        request_id: REQUEST_ID,
        instance: '/api/v1/auth/token',
        errors: [{ field: 'email', code: 'locked', message: 'Locked for a while.' }],
        retry_after: 30,
      });
      expect(headers).toEqual({ 'Retry-After': '30' });
    });

    it('does not let extensions override the standard members', () => {
      const error = new DomainError('weak_password', 400, 'Too weak.', {
        extensions: { status: 200, code: 'ok', request_id: 'spoofed', type: 'x', hint: 'longer' },
      });
      const { body } = filter.map(error, REQUEST_ID);
      expect(body).toMatchObject({ status: 400, code: 'weak_password', request_id: REQUEST_ID, hint: 'longer' });
      expect(body.type).toBe(`${PROBLEM_TYPE_BASE}weak-password`);
    });

    it('keeps a 5xx domain error detail (it is written for clients) and omits empty errors', () => {
      const { body, headers } = filter.map(new DomainError('provider_down', 503, 'Try later.', { errors: [] }), REQUEST_ID);
      expect(body).toMatchObject({ status: 503, code: 'provider_down', detail: 'Try later.', title: 'Service Unavailable' });
      expect(body).not.toHaveProperty('errors');
      expect(body).not.toHaveProperty('instance');
      expect(headers).toBeUndefined();
    });
  });

  describe('Nest HttpException', () => {
    it('maps NotFoundException to 404 not_found', () => {
      const { body } = filter.map(new NotFoundException(), REQUEST_ID, '/api/v1/nowhere');
      expectProblemShape(body);
      expect(body).toMatchObject({ status: 404, code: 'not_found', title: 'Not Found', instance: '/api/v1/nowhere' });
    });

    it('uses the exception message as detail', () => {
      const { body } = filter.map(new ForbiddenException('Admins only.'), REQUEST_ID);
      expect(body).toMatchObject({ status: 403, code: 'forbidden', detail: 'Admins only.' });
    });

    it('turns a list of messages into errors[]', () => {
      const { body } = filter.map(new BadRequestException(['a is wrong', 'b is wrong']), REQUEST_ID);
      expectProblemShape(body);
      expect(body).toMatchObject({ status: 400, code: 'bad_request', detail: 'The request is invalid.' });
      expect(body.errors).toEqual([
        { field: '', code: 'invalid', message: 'a is wrong' },
        { field: '', code: 'invalid', message: 'b is wrong' },
      ]);
    });

    it('hides the message of a 5xx HttpException', () => {
      const { body } = filter.map(new InternalServerErrorException('pool exhausted at db-1'), REQUEST_ID);
      expectProblemShape(body);
      expect(body.status).toBe(500);
      expect(body.code).toBe('internal_error');
      expect(JSON.stringify(body)).not.toContain('db-1');
    });

    it('handles a status it has no title for', () => {
      const { body } = filter.map(new HttpException('I am a teapot', 418), REQUEST_ID);
      expectProblemShape(body);
      expect(body).toMatchObject({ status: 418, code: 'bad_request', title: 'Bad Request', detail: 'I am a teapot' });
    });
  });

  describe('Fastify request errors', () => {
    it('maps an invalid JSON body to 400 malformed_json', () => {
      const error = wrappedFastifyError(
        'FST_ERR_CTP_INVALID_JSON_BODY',
        400,
        "Body is not valid JSON but content-type is set to 'application/json'",
      );
      const { body } = filter.map(error, REQUEST_ID);
      expectProblemShape(body);
      expect(body).toMatchObject({ status: 400, code: 'malformed_json', detail: 'The request body is not valid JSON.' });
    });

    it('maps a body over the limit to 413 payload_too_large', () => {
      const { body } = filter.map(
        wrappedFastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large'),
        REQUEST_ID,
      );
      expectProblemShape(body);
      expect(body).toMatchObject({ status: 413, code: 'payload_too_large', title: 'Content Too Large' });
    });

    it('maps an unsupported content type to 415, wrapped or not', () => {
      const raw = Object.assign(new Error('Unsupported Media Type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 });
      for (const error of [raw, wrappedFastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'Unsupported Media Type')]) {
        const { body } = filter.map(error, REQUEST_ID);
        expectProblemShape(body);
        expect(body).toMatchObject({ status: 415, code: 'unsupported_media_type' });
      }
    });

    it('maps a JSON SyntaxError carrying statusCode 400 to malformed_json', () => {
      const error = Object.assign(new SyntaxError('Unexpected token } in JSON'), { statusCode: 400 });
      const { body } = filter.map(error, REQUEST_ID);
      expect(body).toMatchObject({ status: 400, code: 'malformed_json' });
    });

    it('keeps the status of another client error that carries a statusCode', () => {
      const error = Object.assign(new Error('Method not allowed here'), { statusCode: 405 });
      const { body } = filter.map(error, REQUEST_ID);
      expectProblemShape(body);
      expect(body).toMatchObject({ status: 405, code: 'method_not_allowed', detail: 'Method not allowed here' });
    });
  });

  describe('database refusals of the input', () => {
    it('maps a value too long for its column (SQLSTATE 22001) to 400 value_too_long, without the statement', () => {
      const driverError = Object.assign(new Error('value too long for type character varying(100)'), { code: '22001' });
      const { body } = filter.map(new QueryFailedError('INSERT INTO secret_table', ['x'], driverError), REQUEST_ID);
      expectProblemShape(body);
      expect(body).toMatchObject({ status: 400, code: 'value_too_long' });
      expect(JSON.stringify(body)).not.toContain('secret_table');
    });

    it('keeps another refusal a 500', () => {
      const driverError = Object.assign(new Error('division by zero'), { code: '22012' });
      expect(filter.map(new QueryFailedError('SELECT 1/0', [], driverError), REQUEST_ID).body.status).toBe(500);
    });
  });

  describe('unknown errors', () => {
    it('maps a plain Error to 500 internal_error without leaking its message', () => {
      const { body, headers } = filter.map(new Error('password=hunter2 at /srv/app/db.ts:42'), REQUEST_ID);
      expectProblemShape(body);
      expect(body).toMatchObject({ status: 500, code: 'internal_error', title: 'Internal Server Error' });
      expect(body.detail).not.toContain('hunter2');
      expect(JSON.stringify(body)).not.toContain('hunter2');
      expect(body.detail).toContain('request id');
      expect(headers).toBeUndefined();
    });

    it.each([undefined, null, 'a string', 42, { statusCode: 503 }])('maps %p to 500', (thrown) => {
      const { body } = filter.map(thrown, REQUEST_ID);
      expectProblemShape(body);
      expect(body.status).toBe(500);
    });
  });
});

describe('ProblemDetailsFilter.catch', () => {
  function fakeHost(sent: boolean) {
    const reply = {
      sent,
      status: jest.fn(),
      headers: jest.fn(),
      type: jest.fn(),
      send: jest.fn(),
    };
    reply.status.mockReturnValue(reply);
    reply.headers.mockReturnValue(reply);
    reply.type.mockReturnValue(reply);
    reply.send.mockReturnValue(reply);
    const request = { id: REQUEST_ID, url: '/api/v1/things/1', method: 'GET' };
    const host = {
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ArgumentsHost;
    return { host, reply };
  }

  it('sends the problem as application/problem+json with its headers', () => {
    const { host, reply } = fakeHost(false);
    new ProblemDetailsFilter().catch(
      new DomainError('too_many_attempts', 429, 'Slow down.', { headers: { 'Retry-After': '7' } }),
      host,
    );
    expect(reply.status).toHaveBeenCalledWith(429);
    expect(reply.headers).toHaveBeenCalledWith({ 'Retry-After': '7' });
    expect(reply.type).toHaveBeenCalledWith(PROBLEM_CONTENT_TYPE);
    expect(reply.send).toHaveBeenCalledWith(
      expect.objectContaining({ status: 429, code: 'too_many_attempts', request_id: REQUEST_ID, instance: '/api/v1/things/1' }),
    );
  });

  it('does not write to a reply that was already sent', () => {
    const { host, reply } = fakeHost(true);
    new ProblemDetailsFilter().catch(new NotFoundException(), host);
    expect(reply.send).not.toHaveBeenCalled();
  });
});
