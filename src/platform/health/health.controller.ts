import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { platformConfig, type PlatformConfig } from '../config';
import { DomainError } from '../http/problem';
import { ProblemResponses } from '../openapi/problem-responses';
import { RedisConnection } from '../redis/redis.module';
import { readPackageVersion } from './version';
import { ReadinessState } from './readiness.state';

@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly version = readPackageVersion();

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisConnection,
    private readonly readiness: ReadinessState,
    @Inject(platformConfig.KEY) private readonly config: PlatformConfig,
  ) {}

  @Get('live')
  @ApiOperation({ operationId: 'healthLive', summary: 'Liveness: the process is up (no dependency checks)' })
  @ApiOkResponse({ description: 'The process is alive' })
  live(): { status: 'ok'; version: string; git_sha: string; uptime_seconds: number } {
    return { status: 'ok', version: this.version, git_sha: this.config.gitSha, uptime_seconds: Math.round(process.uptime()) };
  }

  @Get('ready')
  @ApiOperation({ operationId: 'healthReady', summary: 'Readiness: the database (and Redis when configured) answer' })
  @ApiOkResponse({ description: 'Ready to serve traffic' })
  @ApiServiceUnavailableResponse({ description: 'Shutting down or a dependency is down (problem+json with `checks`)' })
  @ProblemResponses()
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
