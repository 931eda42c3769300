import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { Length } from '../../../platform/http/text-length';
import { PaginationQueryDto } from '../../../platform/http/pagination';
import {
  MESSAGE_MAX_LENGTH,
  SERVICE_MAX_LENGTH,
  SERVICE_SLUG,
  SERVICE_STATUSES,
  type ServiceStatus,
} from '../domain/status-rollup';

const SLUG_MESSAGE = 'service must be a lower-case slug: letters a-z and digits, in groups joined by single hyphens';

export class PostStatusEventDto {
  @ApiProperty({ example: 'api', maxLength: SERVICE_MAX_LENGTH, pattern: SERVICE_SLUG.source })
  @IsString()
  @Length(1, SERVICE_MAX_LENGTH)
  @Matches(SERVICE_SLUG, { message: SLUG_MESSAGE })
  service: string;

  @ApiProperty({ enum: SERVICE_STATUSES, example: 'degraded_performance' })
  @IsIn(SERVICE_STATUSES)
  status: ServiceStatus;

  @ApiProperty({ example: 'Elevated error rates on login; investigating.', minLength: 1, maxLength: MESSAGE_MAX_LENGTH })
  @IsString()
  @Length(1, MESSAGE_MAX_LENGTH)
  message: string;
}

export class StatusEventsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Only this service’s events', example: 'api', pattern: SERVICE_SLUG.source })
  @IsOptional()
  @IsString()
  @Length(1, SERVICE_MAX_LENGTH)
  @Matches(SERVICE_SLUG, { message: SLUG_MESSAGE })
  service?: string;
}

export class StatusEventDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'api' }) service: string;
  @ApiProperty({ enum: SERVICE_STATUSES }) status: ServiceStatus;
  @ApiProperty() message: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The admin who posted it' })
  created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class ServiceStatusDto {
  @ApiProperty({ example: 'api' }) service: string;
  @ApiProperty({ enum: SERVICE_STATUSES, description: 'The status of the service’s latest event' }) status: ServiceStatus;
  @ApiProperty({ description: 'The latest event’s message' }) message: string;
  @ApiProperty({ format: 'date-time', description: 'When the latest event was posted' }) updated_at: string;
}

export class StatusSummaryDto {
  @ApiProperty({
    enum: SERVICE_STATUSES,
    description:
      'The worst status across services: major_outage > partial_outage > degraded_performance > under_maintenance > operational; operational when there are no services',
  })
  overall: ServiceStatus;

  @ApiProperty({ type: [ServiceStatusDto], description: 'Sorted by service name' }) services: ServiceStatusDto[];
}
