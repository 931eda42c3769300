import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { RequestPrincipalResolver } from '../../../platform/rate-limit';
import { AccessTokenVerifier } from './access-token.verifier';
import { bearerToken } from './guards';

/** The user behind a request's bearer token, for the per-user rate-limit tier. */
@Injectable()
export class RequestPrincipal implements RequestPrincipalResolver {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async userIdOf(request: FastifyRequest): Promise<string | undefined> {
    const token = bearerToken(request);
    return token ? (await this.verifier.verify(token))?.id : undefined;
  }
}
