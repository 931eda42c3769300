import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isValueTooLong } from '../database/sql-errors';
import { Metrics } from '../observability/metrics';
import { unavailableDependency } from './dependency-unavailable';
import { DomainError, type FieldError, problem, PROBLEM_CONTENT_TYPE, type ProblemDetails } from './problem';

/** Seconds a client is asked to wait after a 503 `dependency_unavailable`. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** Fastify's own request errors (parsing, limits) and the problem each becomes. */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', detail: 'The request body exceeds the size limit.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    detail: 'This endpoint does not accept the request content type.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', detail: 'Content-Length does not match the body.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed_json', detail: 'The JSON body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed_json', detail: 'The request body is not valid JSON.' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 'bad_request', detail: 'The Content-Type header is invalid.' },
};

interface ErrorWithStatus {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
}

function fastifyErrorCode(error: unknown): string | undefined {
  const code = (error as ErrorWithStatus | undefined)?.code;
  return typeof code === 'string' && code.startsWith('FST_') ? code : undefined;
}

interface Mapped {
  body: ProblemDetails;
  headers?: Record<string, string>;
}

/**
 * Turns every error into an RFC 9457 problem+json response. Unknown errors become a 500
 * with no internals in the body, logged with the request id.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(@Optional() private readonly metrics?: Metrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const { body, headers } = this.map(exception, String(request.id), request.url);
    if (body.code === 'dependency_unavailable') {
      const dependency = String(body.dependency);
      this.logger.warn(
        { err: exception, request_id: body.request_id, dependency },
        `${request.method} ${request.url}: ${dependency} unavailable, answered 503`,
      );
      this.metrics?.dependencyUnavailable.inc({ dependency });
    } else if (body.code === 'value_too_long') {
      // Input its validation let through: the rule that passed it is the thing to fix.
      this.logger.warn(
        { err: exception, request_id: body.request_id },
        `${request.method} ${request.url}: a value too long for its column`,
      );
    } else if (body.status >= 500 && !(exception instanceof DomainError)) {
      this.logger.error({ err: exception, request_id: body.request_id }, `Unhandled error on ${request.method} ${request.url}`);
      this.metrics?.unhandledErrors.inc({ kind: 'request' });
    }
    if (reply.sent) return;
    void reply
      .status(body.status)
      .headers(headers ?? {})
      .type(PROBLEM_CONTENT_TYPE)
      .send(body);
  }

  map(exception: unknown, requestId: string, instance?: string): Mapped {
    if (exception instanceof DomainError) {
      return {
        body: problem(exception.status, {
          code: exception.code,
          detail: exception.message,
          requestId,
          instance,
          errors: exception.options.errors,
          extensions: exception.options.extensions,
        }),
        headers: exception.options.headers,
      };
    }
    // Fastify's request errors arrive wrapped in an HttpException (`cause`) by the adapter.
    const fastifyCode = fastifyErrorCode(exception instanceof HttpException ? exception.cause : exception);
    const known = fastifyCode ? FASTIFY_ERRORS[fastifyCode] : undefined;
    if (known) return { body: problem(known.status, { code: known.code, detail: known.detail, requestId, instance }) };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      let detail = exception.message;
      let errors: FieldError[] | undefined;
      if (typeof response === 'object' && response !== null) {
        const message = (response as { message?: unknown }).message;
        if (typeof message === 'string') detail = message;
        else if (Array.isArray(message)) {
          detail = 'The request is invalid.';
          errors = message.map((m) => ({ field: '', code: 'invalid', message: String(m) }));
        }
      }
      const safeDetail = status >= 500 ? undefined : detail;
      return { body: problem(status, { detail: safeDetail, requestId, instance, errors }) };
    }
    const dependency = unavailableDependency(exception);
    if (dependency) {
      return {
        body: problem(503, {
          code: 'dependency_unavailable',
          detail: `The ${dependency === 'database' ? 'database' : 'Redis server'} is unavailable or too slow right now; retry later.`,
          requestId,
          instance,
          extensions: { dependency },
        }),
        headers: { 'retry-after': String(DEPENDENCY_RETRY_AFTER_SECONDS) },
      };
    }
    if (isValueTooLong(exception)) {
      return {
        body: problem(400, { code: 'value_too_long', detail: 'A value is longer than its field allows.', requestId, instance }),
      };
    }
    const err = (exception ?? {}) as ErrorWithStatus;
    if (exception instanceof SyntaxError && err.statusCode === 400) {
      return {
        body: problem(400, { code: 'malformed_json', detail: 'The request body is not valid JSON.', requestId, instance }),
      };
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const detail = typeof err.message === 'string' ? err.message : undefined;
      return { body: problem(err.statusCode, { detail, requestId, instance }) };
    }
    return {
      body: problem(500, {
        detail: 'An unexpected error occurred. Quote the request id when reporting it.',
        requestId,
        instance,
      }),
    };
  }
}
