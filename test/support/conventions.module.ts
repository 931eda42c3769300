import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { DomainError } from '../../src/platform/http/problem';
import { type Page, PaginationQueryDto, toPage } from '../../src/platform/http/pagination';

class EchoDto {
  @IsString()
  @Length(1, 50)
  name: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  count?: number;
}

const ITEMS = Array.from({ length: 45 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` }));

/**
 * Harness-only routes that exercise the HTTP conventions (validation, pagination, ETags,
 * problem+json for domain and unexpected errors) through the real app.
 */
@Controller('test-conventions')
class ConventionsController {
  @Post('echo')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Get('items')
  items(@Query() query: PaginationQueryDto): Page<{ id: number; name: string }> {
    const start = (query.page - 1) * query.page_size;
    return toPage(ITEMS.slice(start, start + query.page_size), ITEMS.length, query);
  }

  @Get('domain-error')
  domainError(): never {
    throw new DomainError('too_many_attempts', 429, 'Slow down.', {
      headers: { 'retry-after': '7' },
      extensions: { retry_after: 7 },
    });
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail');
  }
}

@Module({ controllers: [ConventionsController] })
export class ConventionsTestModule {}
