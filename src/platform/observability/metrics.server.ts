import { createServer, type Server } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { platformConfig, type PlatformConfig } from '../config';
import { Metrics } from './metrics';

/** With `METRICS_PORT`: a separate listener (on `METRICS_HOST`) that serves only `/metrics`. */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;

  constructor(
    private readonly metrics: Metrics,
    @Inject(platformConfig.KEY) private readonly config: PlatformConfig,
  ) {}

  /** The bound port (useful when METRICS_PORT asks for a specific one and tests read it back). */
  get port(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { metricsPort, metricsHost } = this.config.observability;
    if (metricsPort === undefined) return;
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      this.metrics.registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body))
        .catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject).listen(metricsPort, metricsHost, () => resolve());
    });
    this.logger.log(`/metrics served on http://${metricsHost}:${this.port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.server) return;
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
