/**
 * RFC 9457 problem details, Bastion's one error format on the wire. Framework-free:
 * domain code throws `DomainError`s carrying a stable `code`; the HTTP filter maps them.
 */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://bastion.dev/problems/';

/** Standard titles for the statuses Bastion answers with. */
export const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The default `code` for a status when nothing more specific is known. */
export const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_content',
  428: 'precondition_required',
  429: 'too_many_requests',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
};

/**
 * Base class for every domain error. Each context subclasses it (or uses it directly) with
 * a stable code; services never throw HTTP exceptions.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly options: { errors?: FieldError[]; extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The one `400 validation_failed`: a request whose fields are invalid, every bad field in
 * `errors[]`. Whoever finds the fault (the global pipe, a parameter pipe, a service, a domain
 * rule) throws this and nothing hand-built, so every layer can tell it apart: the request was
 * refused before anything happened (the idempotency interceptor releases its key, for one).
 */
export class ValidationFailedError extends DomainError {
  constructor(errors: FieldError[], detail = 'The request has invalid fields.') {
    super('validation_failed', 400, detail, { errors });
  }
}

export function problem(
  status: number,
  init: {
    code?: string;
    detail?: string;
    title?: string;
    requestId: string;
    instance?: string;
    errors?: FieldError[];
    extensions?: Record<string, unknown>;
  },
): ProblemDetails {
  const code = init.code ?? STATUS_CODES[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
  const title = init.title ?? STATUS_TITLES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');
  const body: ProblemDetails = {
    ...(init.extensions ?? {}),
    type: `${PROBLEM_TYPE_BASE}${code.replace(/_/g, '-')}`,
    title,
    status,
    detail: init.detail ?? title,
    code,
    request_id: init.requestId,
  };
  if (init.instance) body.instance = init.instance;
  if (init.errors && init.errors.length > 0) body.errors = init.errors;
  return body;
}
