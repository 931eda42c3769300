import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsObject, IsOptional, IsString, ValidateBy } from 'class-validator';
import { Length, MaxLength } from '../../../platform/http/text-length';
import { NotBlank, PatchField, Trim } from '../../../platform/http/fields';
import { PaginationQueryDto } from '../../../platform/http/pagination';
import { INVITATION_STATUSES, type InvitationRole, type InvitationStatus, normaliseInvitationEmail } from '../domain/invitations';
import { QUOTA_FIELDS } from '../domain/quotas';
import { INVITABLE_ROLES, TENANT_ROLES, type TenantRole } from '../domain/roles';
import { MAX_ALLOWED_EMAIL_DOMAINS, SESSION_MAX_AGE_MAX, SESSION_MAX_AGE_MIN } from '../domain/settings';
import { normaliseSlug, PERSONAL_SLUG_PREFIX, SLUG_MAX, SLUG_MIN, slugErrors } from '../domain/slug';
import { TENANT_NAME_MAX, TENANT_STATUSES, type TenantStatus } from '../domain/tenant';

const Q_MAX = 200;

/** One of the domain's slug rules as a class-validator constraint (code `invalid_slug` or `reserved_slug`). */
function SlugRule(code: 'invalid_slug' | 'reserved_slug'): PropertyDecorator {
  return ValidateBy({
    name: code === 'invalid_slug' ? 'invalidSlug' : 'reservedSlug',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !slugErrors(value).some((e) => e.code === code),
      defaultMessage: (args) => slugErrors(String(args?.value ?? '')).find((e) => e.code === code)?.message ?? 'invalid slug',
    },
  });
}

// ------------------------------------------------------------------------------- shapes

export class TenantSettingsDto {
  @ApiProperty({ description: 'Members must have MFA enabled to act in the tenant' })
  mfa_required: boolean;

  @ApiProperty({
    type: [String],
    maxItems: MAX_ALLOWED_EMAIL_DOMAINS,
    example: ['example.com'],
    description: 'Only addresses in these domains may join; empty: any',
  })
  allowed_email_domains: string[];

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: SESSION_MAX_AGE_MIN,
    maximum: SESSION_MAX_AGE_MAX,
    description: 'Seconds a session may act in the tenant; null: the platform’s own limit',
  })
  session_max_age: number | null;
}

export class TenantSettingsPatchDto {
  @ApiPropertyOptional({ description: 'Members must have MFA enabled to act in the tenant' })
  mfa_required?: boolean;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_ALLOWED_EMAIL_DOMAINS,
    example: ['example.com'],
    description: 'Domain names (trimmed, lower-cased, de-duplicated); replaces the whole list; [] allows any',
  })
  allowed_email_domains?: string[];

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: SESSION_MAX_AGE_MIN,
    maximum: SESSION_MAX_AGE_MAX,
    description: 'Seconds; null: the platform’s own limit',
  })
  session_max_age?: number | null;
}

const QUOTA_DOC = { type: 'integer', nullable: true, minimum: 1, description: 'null: unlimited' } as const;

export class TenantQuotasDto {
  @ApiProperty(QUOTA_DOC) max_members: number | null;
  @ApiProperty(QUOTA_DOC) max_projects: number | null;
  @ApiProperty(QUOTA_DOC) max_storage_bytes: number | null;
  @ApiProperty(QUOTA_DOC) max_requests_per_minute: number | null;
}

export class TenantQuotasPatchDto {
  @ApiPropertyOptional(QUOTA_DOC) max_members?: number | null;
  @ApiPropertyOptional(QUOTA_DOC) max_projects?: number | null;
  @ApiPropertyOptional(QUOTA_DOC) max_storage_bytes?: number | null;
  @ApiPropertyOptional(QUOTA_DOC) max_requests_per_minute?: number | null;
}

// ------------------------------------------------------------------------------ tenants

export class CreateTenantDto {
  @ApiProperty({ example: 'Acme Corp', minLength: 1, maxLength: TENANT_NAME_MAX, description: 'Trimmed' })
  @Trim()
  @IsString()
  @Length(1, TENANT_NAME_MAX)
  @NotBlank()
  name: string;

  @ApiProperty({
    example: 'acme',
    minLength: SLUG_MIN,
    maxLength: SLUG_MAX,
    description:
      `Trimmed and lower-cased, then ${SLUG_MIN}–${SLUG_MAX} letters, digits or inner hyphens (400 invalid_slug). ` +
      `Reserved names (admin, api, www, …) and the "${PERSONAL_SLUG_PREFIX}" prefix of personal tenants are refused ` +
      '(400 reserved_slug); a slug in use is 409 slug_taken.',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normaliseSlug(value) : value))
  @IsString()
  @SlugRule('invalid_slug')
  @SlugRule('reserved_slug')
  slug: string;
}

export class UpdateTenantDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: TENANT_NAME_MAX, description: 'Trimmed. Owners and admins' })
  @PatchField()
  @Trim()
  @IsString()
  @Length(1, TENANT_NAME_MAX)
  @NotBlank()
  name?: string;

  @ApiPropertyOptional({
    type: TenantSettingsPatchDto,
    description: 'Owners only. The settings sent replace those values; the others stay',
  })
  @PatchField()
  @IsObject()
  settings?: Record<string, unknown>;
}

export class TenantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'acme' }) slug: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: TENANT_STATUSES }) status: TenantStatus;
  @ApiProperty({ description: 'A user’s personal tenant (every user has one; it cannot be deleted)' }) personal: boolean;
  @ApiProperty({ enum: TENANT_ROLES, description: 'The caller’s role in the tenant' }) role: TenantRole;
  @ApiProperty({ type: TenantSettingsDto }) settings: TenantSettingsDto;
  @ApiProperty({ type: TenantQuotasDto, description: 'Set by platform admins' }) quotas: TenantQuotasDto;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

// ------------------------------------------------------------------------------ members

export class MemberDto {
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String }) display_name: string | null;
  @ApiProperty({ enum: TENANT_ROLES }) role: TenantRole;
  @ApiProperty({ format: 'date-time' }) joined_at: string;
}

export class UpdateMemberDto {
  @ApiProperty({
    enum: TENANT_ROLES,
    description: 'Owners may give any role; admins may move members between admin and member only',
  })
  @IsIn(TENANT_ROLES)
  role: TenantRole;
}

// -------------------------------------------------------------------------- invitations

const EMAIL_MAX = 254;

export class CreateTenantInvitationDto {
  @ApiProperty({
    example: 'grace@example.com',
    maxLength: EMAIL_MAX,
    description:
      'Where the invitation link is mailed (trimmed, lower-cased). Outside the tenant’s allowed_email_domains: ' +
      '400 email_domain_not_allowed; a member’s address: 409 already_member. A pending invitation to the same ' +
      'address is replaced.',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normaliseInvitationEmail(value) : value))
  @IsString()
  @MaxLength(EMAIL_MAX)
  @IsEmail({ require_tld: true, allow_ip_domain: false, allow_display_name: false, allow_utf8_local_part: false })
  email: string;

  @ApiProperty({ enum: INVITABLE_ROLES, description: 'The role the invitee gets (owners are never invited)' })
  @IsIn(INVITABLE_ROLES)
  role: InvitationRole;
}

export class TenantInvitationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'grace@example.com' }) email: string;
  @ApiProperty({ enum: INVITABLE_ROLES }) role: InvitationRole;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Who sent it; null once that account is gone' })
  invited_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', description: 'The link works until then (TENANT_INVITATION_TTL)' }) expires_at: string;
  @ApiProperty({
    enum: INVITATION_STATUSES,
    description: 'pending (usable), accepted, revoked (by an owner or admin, or replaced by a newer one), expired',
  })
  status: InvitationStatus;
}

export class AcceptTenantInvitationDto {
  @ApiProperty({ description: 'The token of the invitation link (`#/join?token=…`)', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  token: string;
}

export class AcceptedTenantInvitationDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty({ enum: TENANT_ROLES, description: 'The role the invitation gave' }) role: TenantRole;
  @ApiProperty({ format: 'date-time' }) joined_at: string;
  @ApiProperty({ type: TenantDto, description: 'The tenant joined, as its new member sees it' }) tenant: TenantDto;
}

// ------------------------------------------------------------------------ platform admins

export class AdminTenantListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name or the slug', maxLength: Q_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(Q_MAX)
  q?: string;

  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional()
  @IsIn(TENANT_STATUSES)
  status?: TenantStatus;
}

export class UpdateAdminTenantDto {
  @ApiPropertyOptional({ enum: TENANT_STATUSES, description: 'suspended: members can list and read it, nothing more' })
  @PatchField()
  @IsIn(TENANT_STATUSES)
  status?: TenantStatus;

  @ApiPropertyOptional({
    type: TenantQuotasPatchDto,
    description: `Any of ${QUOTA_FIELDS.join(', ')}: a positive whole number, or null for unlimited; the others stay`,
  })
  @PatchField()
  @IsObject()
  quotas?: Record<string, unknown>;
}

export class AdminTenantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: TENANT_STATUSES }) status: TenantStatus;
  @ApiProperty({ description: 'A user’s personal tenant' }) personal: boolean;
  @ApiProperty({ type: TenantSettingsDto }) settings: TenantSettingsDto;
  @ApiProperty({ type: TenantQuotasDto }) quotas: TenantQuotasDto;
  @ApiProperty({ type: 'integer', minimum: 0 }) member_count: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class TenantRequestsUsageDto {
  @ApiProperty({ description: 'Requests in the tenant in the current one-minute window (what max_requests_per_minute limits)' })
  last_minute: number;
  @ApiProperty({ description: 'Requests in the tenant in the current one-day window' }) last_day: number;
}

export class TenantUsageDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ description: 'Members now (max_members)' }) members: number;
  @ApiProperty({ description: 'Projects now (max_projects)' }) projects: number;
  @ApiProperty({ description: 'Bytes of the files stored now (max_storage_bytes)' }) storage_bytes: number;
  @ApiProperty({ type: TenantRequestsUsageDto }) requests: TenantRequestsUsageDto;
  @ApiProperty({ type: TenantQuotasDto, description: 'The limits (null: unlimited), set by platform admins' })
  quotas: TenantQuotasDto;
}
