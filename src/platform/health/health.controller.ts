import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { DomainError } from '../http/problem';
import { ProblemResponses, PublicEndpoint } from '../openapi/problem-responses';
import { RedisConnection } from '../redis/redis.module';
import { BuildInfo } from '../observability/build-info';
import { ReadinessState } from './readiness.state';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisConnection,
    private readonly readiness: ReadinessState,
    private readonly build: BuildInfo,
  ) {}

  @Get('live')
  @PublicEndpoint()
  @ApiOperation({ operationId: 'healthLive', summary: 'Liveness: the process is up (no dependency checks)' })
  @ApiOkResponse({ description: 'The process is alive' })
  live(): { status: 'ok'; version: string; git_sha: string; built_at: string | null; uptime_seconds: number } {
    return {
      status: 'ok',
      version: this.build.version,
      git_sha: this.build.gitSha,
      built_at: this.build.builtAt,
      uptime_seconds: Math.round(process.uptime()),
    };
  }

  @Get('ready')
  @PublicEndpoint()
  @ApiOperation({ operationId: 'healthReady', summary: 'Readiness: the database (and Redis when configured) answer' })
  @ApiOkResponse({ description: 'Ready to serve traffic' })
  @ProblemResponses(503)
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => {
          const check = this.indicators.check('lifecycle');
          return this.readiness.isShuttingDown ? check.down({ message: 'shutting down' }) : check.up();
        },
        () => this.db.pingCheck('database', { timeout: 1500 }),
        ...(this.redis.client ? [() => this.redisCheck()] : []),
      ]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const result = error.getResponse() as HealthCheckResult;
        throw new DomainError('not_ready', 503, 'The service is not ready to serve traffic.', {
          extensions: { checks: result.details },
          headers: { 'retry-after': '5' },
        });
      }
      throw error;
    }
  }

  private async redisCheck() {
    const check = this.indicators.check('redis');
    try {
      await this.redis.ping();
      return check.up();
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }
}
