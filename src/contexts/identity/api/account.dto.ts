import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { Length } from '../../../platform/http/text-length';
import { UserDto } from './auth.dto';

export class DeleteAccountDto {
  @ApiProperty({ description: 'The current password (a stolen session alone cannot close the account)' })
  @IsString()
  @Length(1, 1024)
  current_password: string;

  @ApiPropertyOptional({ example: '123456', description: 'Required when two-factor authentication is on (or recovery_code)' })
  @IsOptional()
  @IsString()
  @Length(1, 16)
  totp_code?: string;

  @ApiPropertyOptional({ example: 'k7m2p-x9qr4' })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  recovery_code?: string;
}

/** Sections other contexts contribute, referenced by their schema in this document. */
const arrayOf = (schema: string, description: string) =>
  ApiProperty({ type: 'array', items: { $ref: `#/components/schemas/${schema}` }, description });

export class ExportMfaDto {
  @ApiProperty() enabled: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) enabled_at: string | null;
  @ApiProperty({ example: 10 }) recovery_codes_remaining: number;
}

export class ExportSessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) last_used_at: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty({ nullable: true, type: String }) revoked_reason: string | null;
}

export class ExportApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'The first characters of the key (the secret itself is never stored)' }) prefix: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expires_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at: string | null;
}

export class ExportLoginSourceDto {
  @ApiProperty({ enum: ['ip', 'user_agent'], description: 'Kept as a keyed hash of the value, never the value' }) kind: string;
  @ApiProperty({ format: 'date-time' }) first_seen_at: string;
  @ApiProperty({ format: 'date-time' }) last_seen_at: string;
}

export class ExportNotificationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['email', 'whatsapp'] }) channel: string;
  @ApiProperty() recipient: string;
  @ApiProperty({ example: 'account.verify_email' }) template: string;
  @ApiProperty({ example: 'sent' }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) sent_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) failed_at: string | null;
}

export class ExportTenantMembershipDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status: string;
  @ApiProperty({ description: 'The user’s personal tenant' }) personal: boolean;
  @ApiProperty({ enum: ['owner', 'admin', 'member'] }) role: string;
  @ApiProperty({ format: 'date-time' }) joined_at: string;
}

export class ExportTenantInvitationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() tenant_name: string;
  @ApiProperty({ enum: ['admin', 'member'] }) role: string;
  @ApiProperty({ enum: ['pending', 'accepted', 'revoked', 'expired'] }) status: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
}

export class PersonalDataExportDto {
  @ApiProperty({ enum: ['bastion.personal-data-export.v1'] }) format: string;
  @ApiProperty({ format: 'date-time' }) generated_at: string;
  @ApiProperty({ type: UserDto }) user: UserDto;
  @ApiProperty({ type: ExportMfaDto }) mfa: ExportMfaDto;
  @ApiProperty({ type: [ExportSessionDto], description: 'Every session, revoked ones included (until their retention ends)' })
  sessions: ExportSessionDto[];
  @ApiProperty({ type: [ExportApiKeyDto] }) api_keys: ExportApiKeyDto[];
  @ApiProperty({ type: [ExportLoginSourceDto], description: 'Where sign-ins came from (hashed; used to flag unusual ones)' })
  login_sources: ExportLoginSourceDto[];
  @arrayOf('FileDto', 'Uploaded files (metadata; the content is downloadable from /files/{id}/content)')
  files: unknown[];
  @arrayOf('ProjectDto', 'Projects the user owns') projects: unknown[];
  @arrayOf('SupportTicketDto', 'Support tickets the user opened') support_tickets: unknown[];
  @arrayOf('CommunityPostDto', 'Community posts the user wrote') community_posts: unknown[];
  @ApiProperty({ type: [ExportNotificationDto], description: 'Messages sent to the user (never their one-time links)' })
  notifications: ExportNotificationDto[];
  @arrayOf('AuditEventDto', 'Audit events where the user is the actor or the subject account')
  audit_events: unknown[];
  @ApiProperty({ type: [ExportTenantMembershipDto], description: 'The organisations the user belongs to, with their role' })
  tenant_memberships: ExportTenantMembershipDto[];
  @ApiProperty({
    type: [ExportTenantInvitationDto],
    description: 'Invitations to join an organisation sent to the user’s address (never the link)',
  })
  tenant_invitations: ExportTenantInvitationDto[];
}
