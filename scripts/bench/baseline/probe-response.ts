/**
 * What the app's liveness probe answers, for the bare peers that stand for its floor (the bare Nest
 * app with the probe's headers, the login-floor peer): its body, and every header the app sends
 * with it (the development/test security headers, `vary`, a fresh request id).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { securityHeadersFor } from '../../../src/platform/security/security-policy';

const PROBE_HEADERS = { vary: 'Origin', ...securityHeadersFor('test')('/health/live') };

/** Sets the probe's headers on `reply`. */
export function setProbeHeaders(reply: FastifyReply): void {
  void reply.headers(PROBE_HEADERS).header('x-request-id', randomUUID());
}

/** The probe's body for a process started at `started` (ms since the epoch). */
export function probeBody(started: number): object {
  const uptime = Math.round((Date.now() - started) / 1000);
  return { status: 'ok', version: '0.1.0', git_sha: 'unknown', built_at: null, uptime_seconds: uptime };
}
