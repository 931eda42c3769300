import { ValidationFailedError } from '../../platform/http/problem';
import { assertPatchNotEmpty, mayRemoveAdmin, planUserChange } from './admin-users.service';

const admin = { role: 'admin' as const, isActive: true, displayName: 'Ada' };

describe('assertPatchNotEmpty', () => {
  it.each([undefined, {}, { role: undefined, is_active: undefined, display_name: undefined }])('refuses %p', (patch) => {
    let thrown: unknown;
    try {
      assertPatchNotEmpty(patch);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationFailedError);
    expect((thrown as ValidationFailedError).options.errors).toEqual(
      ['role', 'is_active', 'display_name'].map((field) => ({
        field,
        code: 'at_least_one_required',
        message: 'Send at least one of: role, is_active, display_name.',
      })),
    );
  });

  it.each([{ role: 'user' }, { is_active: false }, { display_name: null }, { display_name: 'Grace' }] as const)(
    'accepts %p',
    (patch) => {
      expect(() => assertPatchNotEmpty(patch)).not.toThrow();
    },
  );
});

describe('mayRemoveAdmin', () => {
  it('is true for a demotion or a deactivation, whatever else the patch says', () => {
    expect(mayRemoveAdmin({ role: 'user' })).toBe(true);
    expect(mayRemoveAdmin({ is_active: false })).toBe(true);
    expect(mayRemoveAdmin({ role: 'admin', is_active: false })).toBe(true);
  });

  it('is false for promotions, activations and names', () => {
    expect(mayRemoveAdmin({ role: 'admin' })).toBe(false);
    expect(mayRemoveAdmin({ is_active: true })).toBe(false);
    expect(mayRemoveAdmin({ display_name: null })).toBe(false);
  });
});

describe('planUserChange', () => {
  it('leaves out what is already so', () => {
    expect(planUserChange(admin, { role: 'admin', is_active: true, display_name: 'Ada' })).toEqual({ columns: {} });
  });

  it('reports a role change with its direction', () => {
    expect(planUserChange(admin, { role: 'user' })).toEqual({
      columns: { role: 'user' },
      role: { from: 'admin', to: 'user' },
    });
  });

  it('reports deactivation and activation', () => {
    expect(planUserChange(admin, { is_active: false })).toEqual({ columns: { isActive: false }, activation: 'deactivated' });
    expect(planUserChange({ ...admin, isActive: false }, { is_active: true })).toEqual({
      columns: { isActive: true },
      activation: 'activated',
    });
  });

  it('sets and clears the display name', () => {
    expect(planUserChange(admin, { display_name: 'Grace' })).toEqual({ columns: { displayName: 'Grace' } });
    expect(planUserChange(admin, { display_name: null })).toEqual({ columns: { displayName: null } });
    expect(planUserChange({ ...admin, displayName: null }, { display_name: null })).toEqual({ columns: {} });
  });

  it('combines several changes', () => {
    expect(planUserChange({ role: 'user', isActive: false, displayName: null }, { role: 'admin', is_active: true })).toEqual({
      columns: { role: 'admin', isActive: true },
      role: { from: 'user', to: 'admin' },
      activation: 'activated',
    });
  });
});
