import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from '../sessions.service';

/** The caller's IP (honouring TRUST_PROXY) and user agent, as the services record them. */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null };
}
