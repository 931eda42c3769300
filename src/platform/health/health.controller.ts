import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
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
  @ApiOperation({
    operationId: 'healthReady',
    summary: 'Readiness: the database answers (Redis, when configured, is reported but not required)',
  })
  @ApiOkResponse({ description: 'Ready to serve traffic' })
  @ProblemResponses(503)
  async ready(): Promise<HealthCheckResult> {
    // Redis only holds rate counters, which fall back to memory while it is away: a Redis
    // outage degrades the instance (limits per instance) but must not take every instance
    // out of the load balancer at once. It is reported under `details.redis`, never fatal.
    const redis = this.redis.client ? this.redisCheck() : undefined;
    try {
      const result = await this.health.check([
        () => {
          const check = this.indicators.check('lifecycle');
          return this.readiness.isShuttingDown ? check.down({ message: 'shutting down' }) : check.up();
        },
        () => this.db.pingCheck('database', { timeout: 1500 }),
      ]);
      return withOptional(result, await redis);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const result = withOptional(error.getResponse() as HealthCheckResult, await redis);
        throw new DomainError('not_ready', 503, 'The service is not ready to serve traffic.', {
          extensions: { checks: result.details },
          headers: { 'retry-after': '5' },
        });
      }
      throw error;
    }
  }

  private async redisCheck(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('redis');
    try {
      await this.redis.ping();
      return check.up();
    } catch (error) {
      return check.down({ message: (error as Error).message, required: false });
    }
  }
}

/** Adds a check that informs but does not decide readiness to a result's `details`. */
function withOptional(result: HealthCheckResult, optional: HealthIndicatorResult | undefined): HealthCheckResult {
  if (!optional) return result;
  return { ...result, details: { ...result.details, ...optional } };
}
