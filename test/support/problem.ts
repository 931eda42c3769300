import type { LightMyRequestResponse } from 'fastify';
import { DomainError } from '../../src/platform/http/problem';

/** Checks that `res` is an RFC 9457 problem with this status and code, and returns its parsed body. */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({
    status,
    code,
    request_id: expect.any(String),
    type: expect.any(String),
    title: expect.any(String),
  });
  return body;
}

/** The `DomainError` that `fn` throws, or undefined when it throws none (anything else it throws propagates). */
export function thrown(fn: () => unknown): DomainError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  return undefined;
}
