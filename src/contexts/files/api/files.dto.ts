import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { PaginationQueryDto } from '../../../platform/http/pagination';
import { SCAN_STATUSES, type ScanStatus } from '../domain/scan';

export class FileDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'The tenant it belongs to' }) tenant_id: string;

  @ApiProperty({
    example: 'report.pdf',
    maxLength: 255,
    description: 'The client’s file name, sanitised (last path segment, no control or bidi characters, ≤ 255 UTF-8 bytes)',
  })
  filename: string;

  @ApiProperty({ example: 'application/pdf', description: 'Detected from the bytes, never taken from the client' })
  content_type: string;

  @ApiProperty({ example: 48213, minimum: 1, description: 'Bytes' }) size: number;

  @ApiProperty({ example: 'c0535e4be2b79ffd93291305436bf889314e4a3faec05ecffcbb7df31ad9e51a', pattern: '^[0-9a-f]{64}$' })
  sha256: string;

  @ApiProperty({
    enum: SCAN_STATUSES,
    description:
      '`clean`: scanned, nothing found; `not_scanned`: no scanner configured (FILES_SCANNER=logging); `scan_failed`: the scanner could not answer and FILES_SCAN_FAIL_OPEN let it through',
  })
  scan_status: ScanStatus;

  @ApiProperty({ format: 'uuid' }) owner_id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

/** The multipart form of an upload (documentation only: the body is read as a stream). */
export class UploadFileDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The file: exactly one part, named "file"' })
  file: unknown;
}

export class FileListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only the files this member uploaded',
  })
  @IsOptional()
  @IsUUID()
  owner_id?: string;
}
