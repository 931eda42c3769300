import { collectProblems, type EnvProblem, InvalidEnvironmentError } from '../../platform/config';
import { parseTenancyConfig } from './tenancy.config';

const DAY = 86_400;
const problemsOf = (raw: Record<string, string>): EnvProblem[] => collectProblems(() => parseTenancyConfig(raw));

describe('parseTenancyConfig', () => {
  it('defaults to invitation links that work for 7 days', () => {
    expect(parseTenancyConfig({})).toEqual({ invitationTtl: 7 * DAY });
  });

  it.each([
    ['3d', 3 * DAY],
    ['12h', 12 * 3600],
    ['3600', 3600],
    [' 30d ', 30 * DAY],
    ['', 7 * DAY],
  ])('reads TENANT_INVITATION_TTL=%p as %p seconds', (value, seconds) => {
    expect(parseTenancyConfig({ TENANT_INVITATION_TTL: value }).invitationTtl).toBe(seconds);
  });

  it.each([
    ['59m', /between 3600s and 2592000s/],
    ['31d', /between 3600s and 2592000s/],
    ['a week', /duration like/],
    ['-1d', /duration like/],
  ])('reports TENANT_INVITATION_TTL=%p by name', (value, message) => {
    expect(problemsOf({ TENANT_INVITATION_TTL: value })).toEqual([
      { variable: 'TENANT_INVITATION_TTL', message: expect.stringMatching(message) },
    ]);
  });

  it('throws one InvalidEnvironmentError naming the variable', () => {
    expect(() => parseTenancyConfig({ TENANT_INVITATION_TTL: 'soon' })).toThrow(InvalidEnvironmentError);
    expect(() => parseTenancyConfig({ TENANT_INVITATION_TTL: 'soon' })).toThrow(/TENANT_INVITATION_TTL/);
  });
});
