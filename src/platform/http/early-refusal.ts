import type { FastifyReply, FastifyRequest } from 'fastify';
import { type DomainError, PROBLEM_CONTENT_TYPE } from './problem';
import { ProblemDetailsFilter } from './problem-details.filter';

// The same mapping as every other error, so early refusals carry the same fields (`instance` included).
const problems = new ProblemDetailsFilter();

/**
 * Answers a request with the problem of `error` from a Fastify hook, before Nest's pipeline
 * (and, from an `onRequest` hook, before the body is read): how refusals that must stay cheap
 * under load are sent.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: DomainError): void {
  const { body, headers } = problems.map(error, String(request.id), request.url);
  void reply
    .code(body.status)
    .headers(headers ?? {})
    .type(PROBLEM_CONTENT_TYPE)
    .send(body);
}
