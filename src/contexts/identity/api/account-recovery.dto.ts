import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { Length, MaxLength } from '../../../platform/http/text-length';

/** An address that may or may not have an account: the answer is the same either way. */
export class EmailRequestDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsString()
  @Length(3, 254)
  email: string;
}

/** The token from a one-time link (the `token` of its URL fragment). */
export class TokenDto {
  @ApiProperty({ description: 'The token from the link', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  token: string;
}

export class ResetPasswordDto extends TokenDto {
  @ApiProperty({
    minLength: 12,
    maxLength: 128,
    description: 'At least 12 characters, not containing the email, zxcvbn score ≥ 3, not a known breached password',
  })
  @IsString()
  @MaxLength(1024)
  new_password: string;
}

/** The one answer to a request that names an address (it never tells whether the address has an account). */
export class AcceptedDto {
  @ApiProperty({ example: 'If the address belongs to an account, a message with a link is on its way.' })
  message: string;
}

export class EmailChangeDto {
  @ApiProperty({ example: 'ada@new.example', maxLength: 254 })
  @IsString()
  @Length(3, 254)
  new_email: string;

  @ApiProperty({ description: 'The current password (a stolen session alone cannot move the account)' })
  @IsString()
  @Length(1, 1024)
  current_password: string;
}
