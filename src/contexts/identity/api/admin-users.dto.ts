import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString } from 'class-validator';
import { Length, MaxLength } from '../../../platform/http/text-length';
import { TokenDto } from './account-recovery.dto';
import { USER_ROLES } from './auth.dto';

/**
 * Admin-managed accounts. Request DTOs check shape only; the email and password policies live
 * in the domain (an invalid address is `400 invalid_email`, a weak password `400 weak_password`).
 */
export class InviteUserDto {
  @ApiProperty({ example: 'grace@example.com', maxLength: 254, description: 'Where the invitation link is mailed' })
  @IsString()
  @Length(3, 254)
  email: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES)
  role: (typeof USER_ROLES)[number];

  @ApiPropertyOptional({ example: 'Grace Hopper', maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  display_name?: string;
}

/** At least one field; `display_name: null` clears the name. */
export class UpdateUserDto {
  @ApiPropertyOptional({
    enum: USER_ROLES,
    description: "A change ends the user's sessions (the new role applies from their next sign-in)",
  })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: (typeof USER_ROLES)[number];

  @ApiPropertyOptional({ description: "false deactivates: the user's sessions and API keys are revoked at once" })
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ example: 'Grace Hopper', maxLength: 100, nullable: true, type: String, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  display_name?: string | null;
}

export class AcceptInvitationDto extends TokenDto {
  @ApiProperty({
    minLength: 12,
    maxLength: 128,
    description:
      'The password to set: at least 12 characters, not containing the email, zxcvbn score ≥ 3, not a known breached password',
  })
  @IsString()
  @MaxLength(1024)
  password: string;
}
