import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString } from 'class-validator';
import { NotBlank, Trim } from '../../../platform/http/fields';
import { Length } from '../../../platform/http/text-length';
import { PASSKEY_NAME_MAX } from '../passkeys.service';

const RESPONSE_DOC = {
  type: 'object',
  additionalProperties: true,
  description: 'The credential as the browser returns it, in its JSON form (`@simplewebauthn/browser` returns exactly this)',
} as const;

export class PasskeyRegistrationDto {
  @ApiProperty(RESPONSE_DOC)
  @IsObject()
  response: Record<string, unknown>;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: PASSKEY_NAME_MAX,
    description: 'What you call it (default: "Passkey N"). Trimmed; not blank',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, PASSKEY_NAME_MAX)
  @NotBlank()
  name?: string;
}

export class PasskeyAuthenticationDto {
  @ApiProperty(RESPONSE_DOC)
  @IsObject()
  response: Record<string, unknown>;
}

export class PasskeyRequestOptionsDto {
  @ApiPropertyOptional({
    description:
      'Accepted and ignored: the options never depend on the address (discoverable sign-in), so they tell nothing about it',
    example: 'ada@example.com',
  })
  @IsOptional()
  @IsString()
  @Length(1, 254)
  email?: string;

  @ApiPropertyOptional({
    description:
      'The `mfa_token` of an `mfa_required` problem: options for a passkey as the second factor of that sign-in ' +
      '(single use; answer with `passkey_response` on POST /auth/token)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  mfa_token?: string;
}

export class RenamePasskeyDto {
  @ApiProperty({ minLength: 1, maxLength: PASSKEY_NAME_MAX, description: 'Trimmed; not blank' })
  @Trim()
  @IsString()
  @Length(1, PASSKEY_NAME_MAX)
  @NotBlank()
  name: string;
}

export class PasskeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ description: 'Synced to the user’s other devices by its provider (a multi-device passkey)' }) backed_up: boolean;
  @ApiProperty({ enum: ['singleDevice', 'multiDevice'] }) device_type: string;
  @ApiProperty({ type: [String], example: ['internal', 'hybrid'] }) transports: string[];
}

export class PasskeyListDto {
  @ApiProperty({ type: [PasskeyDto] }) items: PasskeyDto[];
}

/** WebAuthn options, as `@simplewebauthn/browser` takes them (`startRegistration` / `startAuthentication`). */
export class WebAuthnOptionsDto {
  @ApiProperty({ description: 'base64url, single use, valid for WEBAUTHN_CHALLENGE_TTL' }) challenge: string;
}
