import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from '../sessions.service';

/**
 * The caller's IP (honouring TRUST_PROXY) and user agent, as the services record them. Behind
 * TRUST_PROXY the address is the leftmost of `X-Forwarded-For`, which the client writes: one that
 * is not an IP address is recorded as none (`null`: throttled and stored as an unknown address)
 * rather than written into counters' keys and sessions.
 */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  const ip = request.ip;
  return { ip: ip && isIP(ip) !== 0 ? ip : null, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null };
}
