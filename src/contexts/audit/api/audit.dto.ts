import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { Length } from '../../../platform/http/text-length';
import { IsDateTime } from '../../../platform/http/date-time';
import { PaginationQueryDto } from '../../../platform/http/pagination';
import { DEFAULT_LOG_LIMIT, MAX_LOG_LIMIT } from '../audit.service';
import { AUDIT_OUTCOMES, type AuditOutcome } from '../domain/audit-mapping';

/** `<context>.<fact>`: lower-case words joined by dots. */
export const EVENT_TYPE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;

export class AuditEventsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Only events of this type', example: 'auth.account_locked', pattern: EVENT_TYPE.source })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(EVENT_TYPE, { message: 'type must be an event name such as auth.login_failed' })
  type?: string;

  @ApiPropertyOptional({ description: 'Only events by this user', format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  actor_id?: string;

  @ApiPropertyOptional({
    description: 'Only events that occurred at or after this instant (ISO 8601)',
    format: 'date-time',
    example: '2026-11-01T00:00:00Z',
  })
  @IsOptional()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional({
    description: 'Only events that occurred before this instant (ISO 8601); must be later than `from`',
    format: 'date-time',
    example: '2026-12-01T00:00:00Z',
  })
  @IsOptional()
  @IsDateTime()
  to?: string;
}

export class AdminLogsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LOG_LIMIT, default: DEFAULT_LOG_LIMIT, description: 'How many lines' })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(MAX_LOG_LIMIT)
  limit: number = DEFAULT_LOG_LIMIT;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Position in the hash chain (1, 2, 3, ... without gaps)', example: 1042 }) seq: number;
  @ApiProperty({ format: 'date-time' }) occurred_at: string;
  @ApiProperty({ example: 'auth.account_locked' }) type: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The user who acted (for login attempts: the account claimed); null for the system',
  })
  actor_id: string | null;
  @ApiProperty({ nullable: true, type: String, example: '203.0.113.7' }) actor_ip: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'user',
    description: 'What the event is about: user, email, session, ...',
  })
  subject_type: string | null;
  @ApiProperty({ nullable: true, type: String }) subject_id: string | null;
  @ApiProperty({ enum: AUDIT_OUTCOMES }) outcome: AuditOutcome;
  @ApiProperty({ nullable: true, type: String, description: 'The X-Request-Id of the request; null outside requests' })
  request_id: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The rest of the event, with secrets removed and e-mail addresses masked',
  })
  metadata: Record<string, unknown>;
  @ApiProperty({ description: 'SHA-256 (hex) of the previous row', example: '0'.repeat(64) }) prev_hash: string;
  @ApiProperty({ description: 'SHA-256 (hex) over prev_hash and this row’s canonical content' }) hash: string;
}

export class AdminLogsDto {
  @ApiProperty({ type: [AuditEventDto], description: 'The last `limit` audit events, oldest first (as a log tail reads)' })
  items: AuditEventDto[];
}

/** The same filters on the tenant's view (the tenant is in the path). */
export class TenantAuditEventsQueryDto extends AuditEventsQueryDto {}
