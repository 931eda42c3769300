import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import { Length, MaxLength } from '../../../platform/http/text-length';
import { NotBlank, PatchField, Trim } from '../../../platform/http/fields';
import { PaginationQueryDto } from '../../../platform/http/pagination';
import { POST_BODY_MAX, POST_TITLE_MAX } from '../domain/post';
import { PROJECT_DESCRIPTION_MAX, PROJECT_NAME_MAX, PROJECT_STATUSES, type ProjectStatus } from '../domain/project';
import {
  TICKET_BODY_MAX,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_SUBJECT_MAX,
  type TicketPriority,
  type TicketStatus,
} from '../domain/ticket';

const Q_MAX = 200;

class SearchQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring to look for', maxLength: Q_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(Q_MAX)
  q?: string;
}

// ---------------------------------------------------------------------------------- projects

export class CreateProjectDto {
  @ApiProperty({ example: 'Website relaunch', minLength: 1, maxLength: PROJECT_NAME_MAX, description: 'Trimmed' })
  @Trim()
  @IsString()
  @Length(1, PROJECT_NAME_MAX)
  name: string;

  @ApiPropertyOptional({ maxLength: PROJECT_DESCRIPTION_MAX, default: '' })
  @IsOptional()
  @IsString()
  @MaxLength(PROJECT_DESCRIPTION_MAX)
  description?: string;

  @ApiPropertyOptional({ enum: PROJECT_STATUSES, default: 'active' })
  @IsOptional()
  @IsIn(PROJECT_STATUSES)
  status?: ProjectStatus;
}

export class UpdateProjectDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: PROJECT_NAME_MAX, description: 'Trimmed' })
  @PatchField()
  @Trim()
  @IsString()
  @Length(1, PROJECT_NAME_MAX)
  name?: string;

  @ApiPropertyOptional({ maxLength: PROJECT_DESCRIPTION_MAX })
  @PatchField()
  @IsString()
  @MaxLength(PROJECT_DESCRIPTION_MAX)
  description?: string;

  @ApiPropertyOptional({ enum: PROJECT_STATUSES })
  @PatchField()
  @IsIn(PROJECT_STATUSES)
  status?: ProjectStatus;
}

export class ProjectListQueryDto extends SearchQueryDto {
  @ApiPropertyOptional({ enum: PROJECT_STATUSES })
  @IsOptional()
  @IsIn(PROJECT_STATUSES)
  status?: ProjectStatus;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the projects this member owns' })
  @IsOptional()
  @IsUUID()
  owner_id?: string;
}

export class ProjectDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'The tenant it belongs to' }) tenant_id: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: PROJECT_STATUSES }) status: ProjectStatus;
  @ApiProperty({ format: 'uuid' }) owner_id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

// --------------------------------------------------------------------------- support tickets

export class CreateSupportTicketDto {
  @ApiProperty({ example: 'Cannot log in on Safari', minLength: 1, maxLength: TICKET_SUBJECT_MAX, description: 'Trimmed' })
  @Trim()
  @IsString()
  @Length(1, TICKET_SUBJECT_MAX)
  subject: string;

  @ApiProperty({ minLength: 1, maxLength: TICKET_BODY_MAX })
  @IsString()
  @Length(1, TICKET_BODY_MAX)
  @NotBlank()
  body: string;

  @ApiPropertyOptional({ enum: TICKET_PRIORITIES, default: 'normal' })
  @IsOptional()
  @IsIn(TICKET_PRIORITIES)
  priority?: TicketPriority;
}

export class UpdateSupportTicketDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: TICKET_SUBJECT_MAX, description: 'Trimmed' })
  @PatchField()
  @Trim()
  @IsString()
  @Length(1, TICKET_SUBJECT_MAX)
  subject?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: TICKET_BODY_MAX })
  @PatchField()
  @IsString()
  @Length(1, TICKET_BODY_MAX)
  @NotBlank()
  body?: string;

  @ApiPropertyOptional({
    enum: TICKET_STATUSES,
    description:
      'open → in_progress | resolved | closed; in_progress → open | resolved | closed; resolved → open | closed; closed is final',
  })
  @PatchField()
  @IsIn(TICKET_STATUSES)
  status?: TicketStatus;

  @ApiPropertyOptional({ enum: TICKET_PRIORITIES })
  @PatchField()
  @IsIn(TICKET_PRIORITIES)
  priority?: TicketPriority;
}

export class SupportTicketListQueryDto extends SearchQueryDto {
  @ApiPropertyOptional({ enum: TICKET_STATUSES })
  @IsOptional()
  @IsIn(TICKET_STATUSES)
  status?: TicketStatus;

  @ApiPropertyOptional({ enum: TICKET_PRIORITIES })
  @IsOptional()
  @IsIn(TICKET_PRIORITIES)
  priority?: TicketPriority;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the tickets this member opened' })
  @IsOptional()
  @IsUUID()
  owner_id?: string;
}

export class SupportTicketDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'The tenant it belongs to' }) tenant_id: string;
  @ApiProperty() subject: string;
  @ApiProperty() body: string;
  @ApiProperty({ enum: TICKET_STATUSES }) status: TicketStatus;
  @ApiProperty({ enum: TICKET_PRIORITIES }) priority: TicketPriority;
  @ApiProperty({ format: 'uuid' }) owner_id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

// --------------------------------------------------------------------------- community posts

export class CreateCommunityPostDto {
  @ApiProperty({ example: 'Tips for faster builds', minLength: 1, maxLength: POST_TITLE_MAX, description: 'Trimmed' })
  @Trim()
  @IsString()
  @Length(1, POST_TITLE_MAX)
  title: string;

  @ApiProperty({ minLength: 1, maxLength: POST_BODY_MAX })
  @IsString()
  @Length(1, POST_BODY_MAX)
  @NotBlank()
  body: string;
}

export class CommunityPostListQueryDto extends SearchQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this author’s posts' })
  @IsOptional()
  @IsUUID()
  author_id?: string;
}

export class CommunityPostDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'The tenant it belongs to' }) tenant_id: string;
  @ApiProperty() title: string;
  @ApiProperty() body: string;
  @ApiProperty({ format: 'uuid' }) author_id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}
