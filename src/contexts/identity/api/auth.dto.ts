import { ACCOUNT_STATUSES, type AccountStatus } from '../user-view';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, IsUUID } from 'class-validator';
import { Length, MaxLength, MinLength } from '../../../platform/http/text-length';
import { IsDateTime } from '../../../platform/http/date-time';
import { NotBlank } from '../../../platform/http/fields';
import { PaginationQueryDto } from '../../../platform/http/pagination';

/**
 * Request DTOs check shape only (types and hard bounds); the email and password policies
 * live in the domain so that every failed rule is reported together.
 */
export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsString()
  @Length(3, 254)
  email: string;

  @ApiProperty({
    minLength: 12,
    maxLength: 128,
    description: 'At least 12 characters, not containing the email, zxcvbn score ≥ 3',
  })
  @IsString()
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({ example: 'Ada Lovelace', maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  display_name?: string;
}

/** A second factor given as a code: the current TOTP code, or a one-time recovery code. */
class SecondFactorCodeDto {
  @ApiPropertyOptional({
    description: 'Current 6-digit TOTP code, for accounts with two-factor authentication',
    example: '123456',
  })
  @IsOptional()
  @IsString()
  @Length(1, 16)
  totp_code?: string;

  @ApiPropertyOptional({ description: 'A one-time recovery code instead of the TOTP code', example: 'k7m2p-x9qr4' })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  recovery_code?: string;
}

export class TokenRequestDto extends SecondFactorCodeDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsString()
  @Length(1, 254)
  email: string;

  @ApiProperty()
  @IsString()
  @Length(1, 1024)
  password: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'A passkey as the second factor: the answer to the options of POST /auth/passkeys/authentication/options ' +
      "called with the `mfa_token` of this account's `mfa_required` problem",
  })
  @IsOptional()
  @IsObject()
  passkey_response?: Record<string, unknown>;
}

/** Exactly one proof of who you are (step-up): the password, a code, or a passkey. */
export class ReauthenticateDto extends SecondFactorCodeDto {
  @ApiPropertyOptional({ description: 'Your password' })
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  password?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "A passkey's answer to the options of POST /auth/reauthenticate/options",
  })
  @IsOptional()
  @IsObject()
  passkey_response?: Record<string, unknown>;
}

export class RefreshRequestDto {
  @ApiProperty({ description: 'The refresh token from the last token response' })
  @IsString()
  @Length(1, 200)
  refresh_token: string;
}

export class LogoutRequestDto {
  @ApiPropertyOptional({ description: 'Revokes this token’s session when no bearer token is sent' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  refresh_token?: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  current_password: string;

  @ApiProperty({ minLength: 12, maxLength: 128 })
  @IsString()
  @MaxLength(1024)
  new_password: string;
}

export class TokenResponseDto {
  @ApiProperty() access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' }) expires_in: number;
  @ApiProperty({ description: 'Opaque, single use: every refresh returns a new one' }) refresh_token: string;
}

export class AccessTokenDto {
  @ApiProperty({ description: 'A new access token; its `auth_time` is now' }) access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' }) expires_in: number;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String }) display_name: string | null;
  @ApiProperty({ enum: ['user', 'admin'] }) role: 'user' | 'admin';
  @ApiProperty() is_active: boolean;
  @ApiProperty({ description: 'The owner confirmed the address through a verification link' }) email_verified: boolean;
  @ApiProperty({
    enum: ACCOUNT_STATUSES,
    description:
      '`invited`: opened by an admin, inactive until the invitation is accepted; `inactive`: deactivated by an admin; ' +
      '`deletion_pending`: closed, erased at `deletion_due_at` unless the owner signs in before; `erased`: only the pseudonymous id is left',
  })
  status: AccountStatus;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When a closed account will be erased' })
  deletion_due_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_login_at: string | null;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) last_used_at: string;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ format: 'date-time', description: 'The earlier of the idle and absolute deadlines' }) expires_at: string;
  @ApiProperty() is_current: boolean;
}

export class RevokedCountDto {
  @ApiProperty({ example: 2 }) revoked: number;
}

export class TotpEnrollmentDto {
  @ApiProperty({ description: 'Base32 TOTP secret (shown once; add it to an authenticator app)' })
  secret: string;

  @ApiProperty({ example: 'otpauth://totp/Bastion:ada%40example.com?secret=...&issuer=Bastion' })
  otpauth_url: string;

  @ApiProperty({ description: 'The otpauth URL as a QR code (SVG markup)' })
  qr_svg: string;
}

export class TotpCodeDto {
  @ApiProperty({ example: '123456' })
  @IsString()
  @Length(1, 16)
  code: string;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], description: '10 one-time recovery codes, shown once' })
  recovery_codes: string[];
}

export class DisableMfaDto {
  @ApiProperty({ description: 'The account password' })
  @IsString()
  @Length(1, 1024)
  password: string;

  @ApiPropertyOptional({ example: '123456' })
  @IsOptional()
  @IsString()
  @Length(1, 16)
  code?: string;

  @ApiPropertyOptional({ example: 'k7m2p-x9qr4' })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  recovery_code?: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI deploy', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @NotBlank()
  name: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the key stops working (future, at most 2 years ahead)' })
  @IsOptional()
  @IsDateTime()
  expires_at?: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'bst_Xy12abCD', description: 'The first characters of the key, to tell keys apart' }) prefix: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expires_at: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself, shown this once: `bst_` and 43 base64url characters (256 bits)' })
  key: string;
}

export const USER_ROLES = ['user', 'admin'] as const;

export class ListUsersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive match on email or display name' })
  @IsOptional()
  @IsString()
  @Length(1, 254)
  q?: string;

  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: (typeof USER_ROLES)[number];

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  is_active?: boolean;
}

export const BULK_ACTIONS = ['activate', 'deactivate'] as const;

export class BulkUsersDto {
  @ApiProperty({ type: [String], format: 'uuid', maxItems: 500 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  ids: string[];

  @ApiProperty({ enum: BULK_ACTIONS })
  @IsIn(BULK_ACTIONS)
  action: (typeof BULK_ACTIONS)[number];
}

export class BulkResultDto {
  @ApiProperty() requested: number;
  @ApiProperty() updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty({ type: [String], format: 'uuid' }) not_found: string[];
}
