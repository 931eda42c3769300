import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** Digit-only strings become numbers; anything else stays as sent and fails `@IsInt`. */
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;

/** `?page=1&page_size=20` (max 100); out-of-range or non-numeric values are a 400. */
export class PaginationQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  page_size: number = DEFAULT_PAGE_SIZE;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
  pages: number;
}

/** TypeORM-style window for a page. */
export function pageWindow(query: Pick<PaginationQueryDto, 'page' | 'page_size'>): { skip: number; take: number } {
  return { skip: (query.page - 1) * query.page_size, take: query.page_size };
}

export function toPage<T>(items: T[], total: number, query: Pick<PaginationQueryDto, 'page' | 'page_size'>): Page<T> {
  return { items, total, page: query.page, page_size: query.page_size, pages: Math.ceil(total / query.page_size) };
}

/** Runs a list query (filters and order already applied) for one page: the page's rows as views, and the total. */
export async function pageOf<T extends ObjectLiteral, V>(
  qb: SelectQueryBuilder<T>,
  query: Pick<PaginationQueryDto, 'page' | 'page_size'>,
  toView: (row: T) => V,
): Promise<Page<V>> {
  const { skip, take } = pageWindow(query);
  const [rows, total] = await qb.skip(skip).take(take).getManyAndCount();
  return toPage(
    rows.map((row) => toView(row)),
    total,
    query,
  );
}

/** Documents a `Page<model>` response. */
export function ApiPageResponse(model: Type<unknown>, description = 'A page of results'): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(model),
    ApiOkResponse({
      description,
      schema: {
        type: 'object',
        required: ['items', 'total', 'page', 'page_size', 'pages'],
        properties: {
          items: { type: 'array', items: { $ref: getSchemaPath(model) } },
          total: { type: 'integer', minimum: 0 },
          page: { type: 'integer', minimum: 1 },
          page_size: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
          pages: { type: 'integer', minimum: 0 },
        },
      },
    }),
  );
}
