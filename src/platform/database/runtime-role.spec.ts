import { rowSecurityProblem, runtimeRoleOptions } from './runtime-role';

describe('runtime role', () => {
  it('switches a connection to the role in its startup packet', () => {
    expect(runtimeRoleOptions('bastion_runtime')).toEqual({ options: '-c role=bastion_runtime' });
  });

  it('finds a problem with a superuser or a BYPASSRLS role, none with a plain one', () => {
    expect(rowSecurityProblem({ role: 'postgres', superuser: true, bypassRls: true })).toMatch(/"postgres" is a superuser/);
    expect(rowSecurityProblem({ role: 'etl', superuser: false, bypassRls: true })).toMatch(/"etl" has BYPASSRLS/);
    expect(rowSecurityProblem({ role: 'bastion_app', superuser: false, bypassRls: false })).toBeNull();
  });
});
