import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { RequestPrincipalResolver } from '../../../platform/rate-limit';
import { PrincipalResolver } from './guards';

/** The user behind a request's bearer token or API key, for the per-user rate-limit tier. */
@Injectable()
export class RequestPrincipal implements RequestPrincipalResolver {
  constructor(private readonly principals: PrincipalResolver) {}

  async userIdOf(request: FastifyRequest): Promise<string | undefined> {
    return (await this.principals.resolve(request))?.id;
  }
}
