import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Clock } from '../../../platform/clock';
import { platformConfig, type PlatformConfig } from '../../../platform/config';
import { ProblemResponses, PublicEndpoint } from '../../../platform/openapi/problem-responses';
import { identityConfig, type IdentityConfig } from '../identity.config';
import { JwtCodec, type PublishedKey } from '../infra/jwt-keys';

/**
 * How long a client may cache the key set. A `next` key must be published at least this long
 * (plus the rollout) before it signs, so every verifier has fetched it (docs/operations/secret-rotation.md).
 */
export const JWKS_MAX_AGE_SECONDS = 300;

class JwkDto {
  @ApiProperty({ enum: ['OKP', 'EC'] }) kty: string;
  @ApiProperty({ enum: ['Ed25519', 'P-256'] }) crv: string;
  @ApiProperty() x: string;
  @ApiProperty({ required: false, description: 'EC keys only' }) y?: string;
  @ApiProperty() kid: string;
  @ApiProperty({ enum: ['EdDSA', 'ES256'] }) alg: string;
  @ApiProperty({ enum: ['sig'] }) use: string;
}

class JwksDto {
  @ApiProperty({ type: [JwkDto] }) keys: JwkDto[];
}

class OpenIdConfigurationDto {
  @ApiProperty({ description: 'The `iss` of Bastion access tokens (JWT_ISSUER)' }) issuer: string;
  @ApiProperty({ format: 'uri' }) jwks_uri: string;
  @ApiProperty({ format: 'uri' }) token_endpoint: string;
  @ApiProperty({ type: [String], example: ['EdDSA'] }) id_token_signing_alg_values_supported: string[];
  @ApiProperty({ type: [String], example: ['EdDSA'] }) token_signing_alg_values_supported: string[];
}

/**
 * The public half of the access-token keys, for resource servers that verify Bastion tokens with
 * any standard library: the JWK set and a minimal discovery document. Never a private or an HMAC key.
 */
@ApiTags('auth')
@Controller('.well-known')
export class WellKnownController {
  constructor(
    private readonly jwt: JwtCodec,
    private readonly clock: Clock,
    @Inject(identityConfig.KEY) private readonly identity: IdentityConfig,
    @Inject(platformConfig.KEY) private readonly platform: PlatformConfig,
  ) {}

  @Get('jwks.json')
  @PublicEndpoint()
  @Header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiOperation({
    operationId: 'wellKnownJwks',
    summary: 'The public keys access tokens are signed with (next, active, and retired ones still in their window)',
  })
  @ApiOkResponse({ type: JwksDto })
  @ProblemResponses(429)
  jwks(): { keys: PublishedKey[] } {
    return { keys: this.jwt.keys.published(this.clock.now()) };
  }

  @Get('openid-configuration')
  @PublicEndpoint()
  @Header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiOperation({ operationId: 'wellKnownOpenIdConfiguration', summary: 'Issuer and key set location (minimal discovery)' })
  @ApiOkResponse({ type: OpenIdConfigurationDto })
  @ProblemResponses(429)
  openIdConfiguration(): OpenIdConfigurationDto {
    const base = this.platform.publicBaseUrl;
    const algorithms = this.jwt.keys.algorithms.filter((alg) => alg !== 'HS256');
    return {
      issuer: this.identity.jwtIssuer,
      jwks_uri: `${base}/.well-known/jwks.json`,
      token_endpoint: `${base}/api/v1/auth/token`,
      id_token_signing_alg_values_supported: algorithms,
      token_signing_alg_values_supported: algorithms,
    };
  }
}
