import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { STATUS_TITLES } from '../http/problem';

export class FieldErrorDto {
  @ApiProperty({ example: 'email' }) field: string;
  @ApiProperty({ example: 'is_email' }) code: string;
  @ApiProperty({ example: 'email must be an email' }) message: string;
}

/** The RFC 9457 body every error response carries. */
export class ProblemDetailsDto {
  @ApiProperty({ example: 'https://bastion.dev/problems/validation-failed' }) type: string;
  @ApiProperty({ example: 'Bad Request' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiProperty({ example: 'The request has invalid fields.' }) detail: string;
  @ApiProperty({ example: 'validation_failed', description: 'Stable machine-readable code' }) code: string;
  @ApiProperty({
    maxLength: 128,
    example: '3f1c2a9e-8d4b-4c1a-9f2e-7b6d5c4a3b21',
    description:
      'The request id: the client’s X-Request-Id when it sent a sane one, else a new UUID; also sent as the X-Request-Id header',
  })
  request_id: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
}

/**
 * Documents problem+json error responses. Always includes 400, 500 and 503 (any operation
 * can meet an unavailable dependency: `dependency_unavailable`, with `Retry-After`); pass the
 * other statuses an operation can answer with.
 */
export function ProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  const all = [...new Set([400, ...statuses, 500, 503])].sort((a, b) => a - b);
  return applyDecorators(
    ...all.map((status) =>
      ApiResponse({
        status,
        description: `${STATUS_TITLES[status] ?? 'Error'} (problem+json)`,
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetailsDto' } } },
      }),
    ),
  );
}

/** Marks an operation that needs no credentials; the document then says `security: []` explicitly. */
export const PublicEndpoint = (): MethodDecorator & ClassDecorator => ApiExtension(PUBLIC_EXTENSION, true);
export const PUBLIC_EXTENSION = 'x-bastion-public';
