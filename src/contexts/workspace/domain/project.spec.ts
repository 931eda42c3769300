import { DomainError } from '../../../platform/http/problem';
import { planProjectPatch, PROJECT_WRITABLE, type ProjectFields } from './project';

const current: ProjectFields = { name: 'Apollo', description: 'Moonshot', status: 'active' };

describe('planProjectPatch', () => {
  it('keeps only the fields that change', () => {
    expect(planProjectPatch(current, { name: 'Artemis', description: 'Moonshot' })).toEqual({ name: 'Artemis' });
  });

  it('can archive and un-archive', () => {
    expect(planProjectPatch(current, { status: 'archived' })).toEqual({ status: 'archived' });
    expect(planProjectPatch({ ...current, status: 'archived' }, { status: 'active' })).toEqual({ status: 'active' });
  });

  it('edits an archived project', () => {
    expect(planProjectPatch({ ...current, status: 'archived' }, { description: '' })).toEqual({ description: '' });
  });

  it('plans nothing for a patch that repeats the current values', () => {
    expect(planProjectPatch(current, { ...current })).toEqual({});
  });

  it('rejects an empty patch with a 400 listing every writable field', () => {
    const error = (() => {
      try {
        planProjectPatch(current, {});
      } catch (e) {
        return e as DomainError;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('validation_failed');
    expect(error.options.errors?.map((e) => e.field)).toEqual([...PROJECT_WRITABLE]);
    expect(error.options.errors?.every((e) => e.code === 'at_least_one_required')).toBe(true);
  });

  it('treats explicitly undefined fields as not sent', () => {
    expect(() => planProjectPatch(current, { name: undefined })).toThrow(DomainError);
  });
});
