import { Body, Controller, HttpCode, Logger, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { DomainError } from '../http/problem';
import { Metrics } from '../observability/metrics';
import { ProblemResponses, PublicEndpoint } from '../openapi/problem-responses';
import { CSP_REPORT_CONTENT_TYPES, InvalidCspReport, parseCspReport } from './csp-report';

/** Receives browsers' CSP violation reports: one structured log line and a count per violation. */
@ApiTags('security')
@Controller('security')
export class CspReportController {
  private readonly logger = new Logger('CSP');
  private readonly violations: Counter<'directive'>;

  constructor(metrics: Metrics) {
    this.violations = metrics.counter({
      name: 'csp_violations_total',
      help: 'Content Security Policy violations reported by browsers, by directive.',
      labelNames: ['directive'],
    });
  }

  @Post('csp-report')
  @HttpCode(204)
  @PublicEndpoint()
  @ApiOperation({
    operationId: 'securityCspReport',
    summary: 'CSP violation reports (report-uri and Reporting API formats); no authentication',
  })
  @ApiConsumes(...CSP_REPORT_CONTENT_TYPES)
  @ApiBody({ schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] } })
  @ApiNoContentResponse({ description: 'Report received' })
  @ProblemResponses(400, 413, 415)
  receive(@Req() request: FastifyRequest, @Body() body: unknown): void {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!(CSP_REPORT_CONTENT_TYPES as readonly string[]).includes(type)) {
      throw new DomainError('unsupported_media_type', 415, `Send ${CSP_REPORT_CONTENT_TYPES.join(' or ')}.`);
    }
    let violations;
    try {
      violations = parseCspReport(type, body);
    } catch (error) {
      if (error instanceof InvalidCspReport)
        throw new DomainError('invalid_csp_report', 400, `Not a CSP report: ${error.message}.`);
      throw error;
    }
    for (const violation of violations) {
      this.violations.inc({ directive: violation.directive });
      this.logger.warn(
        { event: 'csp_violation', ...violation, user_agent: request.headers['user-agent'] ?? null },
        'CSP violation',
      );
    }
  }
}
