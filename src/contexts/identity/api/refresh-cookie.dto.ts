import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { Length } from '../../../platform/http/text-length';

/**
 * The refresh body of both modes: JSON mode requires `refresh_token` (checked against
 * `RefreshRequestDto` in the handler, so its 400 is exactly what it always was); cookie mode
 * refuses it, the token comes from the cookie.
 */
export class RefreshBodyDto {
  @ApiPropertyOptional({
    description: 'The refresh token from the last token response. Required in JSON mode; must be absent with `?cookie=1`.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  refresh_token?: string;
}

/** A token response in cookie mode: the refresh token is in the `HttpOnly` cookie, never in the body. */
export class CookieTokenResponseDto {
  @ApiProperty() access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' }) expires_in: number;
  @ApiProperty({
    description: 'The CSRF token (also in the `__Host-bastion_csrf` cookie): send it as `X-CSRF-Token` on refresh and logout',
  })
  csrf_token: string;
}
