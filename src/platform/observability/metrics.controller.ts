import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { platformConfig, type PlatformConfig } from '../config';
import { DomainError } from '../http/problem';
import { Metrics } from './metrics';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `GET /metrics` in the Prometheus text format. With `METRICS_PORT` it is served only on
 * that port (404 here); with `METRICS_TOKEN` it needs `Authorization: Bearer <token>`.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(platformConfig.KEY) private readonly config: PlatformConfig,
  ) {}

  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Req() request: FastifyRequest): Promise<string> {
    const { metricsPort, metricsToken } = this.config.observability;
    if (metricsPort !== undefined) throw new DomainError('not_found', 404, 'Metrics are served on their own port.');
    if (metricsToken !== undefined) {
      const match = /^Bearer\s+(.+)$/.exec(request.headers.authorization ?? '');
      if (!match || !sameSecret(match[1], metricsToken)) {
        throw new DomainError('unauthenticated', 401, 'A valid metrics token is required.', {
          headers: { 'www-authenticate': 'Bearer realm="metrics"' },
        });
      }
    }
    return this.metrics.registry.metrics();
  }
}
