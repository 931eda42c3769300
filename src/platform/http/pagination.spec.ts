import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageWindow, PaginationQueryDto, toPage } from './pagination';

function parse(query: Record<string, unknown>): { dto: PaginationQueryDto; failed: string[] } {
  const dto = plainToInstance(PaginationQueryDto, query);
  const failed = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);
  return { dto, failed };
}

describe('toPage', () => {
  it('wraps items with total, page, page_size and pages', () => {
    expect(toPage(['a', 'b'], 42, { page: 2, page_size: 20 })).toEqual({
      items: ['a', 'b'],
      total: 42,
      page: 2,
      page_size: 20,
      pages: 3,
    });
  });

  it.each([
    [0, 20, 0],
    [1, 20, 1],
    [20, 20, 1],
    [21, 20, 2],
    [100, 10, 10],
    [101, 10, 11],
  ])('gives %p items of page size %p %p pages', (total, pageSize, pages) => {
    expect(toPage([], total, { page: 1, page_size: pageSize }).pages).toBe(pages);
  });
});

describe('pageWindow', () => {
  it.each([
    [1, 20, 0, 20],
    [2, 20, 20, 20],
    [3, 7, 14, 7],
    [10, 100, 900, 100],
  ])('page %p of size %p skips %p and takes %p', (page, pageSize, skip, take) => {
    expect(pageWindow({ page, page_size: pageSize })).toEqual({ skip, take });
  });
});

describe('PaginationQueryDto', () => {
  it('defaults to page 1 of 20', () => {
    const { dto, failed } = parse({});
    expect(failed).toEqual([]);
    expect(dto.page).toBe(1);
    expect(dto.page_size).toBe(DEFAULT_PAGE_SIZE);
    expect(DEFAULT_PAGE_SIZE).toBe(20);
  });

  it('converts numeric query strings to numbers', () => {
    const { dto, failed } = parse({ page: '2', page_size: '20' });
    expect(failed).toEqual([]);
    expect(dto.page).toBe(2);
    expect(dto.page_size).toBe(20);
  });

  it(`accepts the maximum page size of ${MAX_PAGE_SIZE}`, () => {
    const { dto, failed } = parse({ page_size: String(MAX_PAGE_SIZE) });
    expect(failed).toEqual([]);
    expect(dto.page_size).toBe(100);
  });

  it.each([
    ['page', 'abc'],
    ['page', '0'],
    ['page', '1.5'],
    ['page', '-1'],
    ['page', ''],
    ['page', '2abc'],
    ['page', '1e3'],
    ['page', '9999999999'],
    ['page_size', 'abc'],
    ['page_size', '0'],
    ['page_size', '101'],
    ['page_size', '1.5'],
    ['page_size', ' 5'],
  ])('rejects %s=%p', (field, value) => {
    const { failed } = parse({ [field]: value });
    expect(failed).toEqual([field]);
  });

  it('rejects a repeated parameter (an array)', () => {
    expect(parse({ page: ['1', '2'] }).failed).toEqual(['page']);
  });

  it('reports both fields when both are invalid', () => {
    expect(parse({ page: '0', page_size: '101' }).failed.sort()).toEqual(['page', 'page_size']);
  });
});
