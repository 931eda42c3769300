import { DomainError } from '../../../platform/http/problem';
import { DEFAULT_QUOTAS, mergeQuotas, parseQuotasPatch, quotasOf, usageQuotaBreach } from './quotas';

function fieldErrors(fn: () => unknown): { field: string; code: string }[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError && e.code === 'validation_failed') return e.options.errors ?? [];
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('tenant quotas', () => {
  it('reads stored JSON: unset or malformed is unlimited', () => {
    expect(quotasOf({})).toEqual(DEFAULT_QUOTAS);
    expect(quotasOf('nonsense')).toEqual(DEFAULT_QUOTAS);
    expect(quotasOf({ max_members: 10, max_projects: 0, max_storage_bytes: 1.5, other: 3 })).toEqual({
      ...DEFAULT_QUOTAS,
      max_members: 10,
    });
  });

  it('parses positive whole numbers and null', () => {
    expect(parseQuotasPatch({ max_members: 5, max_storage_bytes: 10 * 2 ** 30, max_projects: null })).toEqual({
      max_members: 5,
      max_storage_bytes: 10 * 2 ** 30,
      max_projects: null,
    });
    expect(parseQuotasPatch({})).toEqual({});
  });

  it.each([
    ['zero', { max_members: 0 }, 'quotas.max_members', 'quota'],
    ['a negative number', { max_projects: -1 }, 'quotas.max_projects', 'quota'],
    ['a fraction', { max_requests_per_minute: 1.5 }, 'quotas.max_requests_per_minute', 'quota'],
    ['a string', { max_members: '5' }, 'quotas.max_members', 'quota'],
    ['an unsafe integer', { max_storage_bytes: 2 ** 60 }, 'quotas.max_storage_bytes', 'quota'],
    ['an unknown quota', { max_cats: 3 }, 'quotas.max_cats', 'unknown_field'],
    ['not an object', [1], 'quotas', 'is_object'],
  ])('refuses %s', (_label, value, field, code) => {
    expect(fieldErrors(() => parseQuotasPatch(value))).toEqual([expect.objectContaining({ field, code })]);
  });

  it('merges a change and names the quotas that changed', () => {
    const { quotas, changed } = mergeQuotas({ ...DEFAULT_QUOTAS, max_members: 5 }, { max_members: 5, max_projects: 3 });
    expect(quotas).toEqual({ ...DEFAULT_QUOTAS, max_members: 5, max_projects: 3 });
    expect(changed).toEqual(['max_projects']);
    expect(mergeQuotas(quotas, { max_projects: null }).changed).toEqual(['max_projects']);
  });
});

describe('usageQuotaBreach', () => {
  it('allows anything without a limit', () => {
    expect(usageQuotaBreach('max_projects', null, 10 ** 9, 1)).toBeNull();
  });

  it('allows reaching the limit exactly and refuses going over, reporting the usage before the addition', () => {
    expect(usageQuotaBreach('max_projects', 3, 2, 1)).toBeNull();
    expect(usageQuotaBreach('max_projects', 3, 3, 1)).toEqual({ quota: 'max_projects', limit: 3, usage: 3 });
    expect(usageQuotaBreach('max_storage_bytes', 1000, 400, 600)).toBeNull();
    expect(usageQuotaBreach('max_storage_bytes', 1000, 400, 601)).toEqual({
      quota: 'max_storage_bytes',
      limit: 1000,
      usage: 400,
    });
  });
});
