import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { AUDIT_MAPPING, AUDIT_OUTCOMES, auditedEventNames, auditRuleFor, isSkipRule } from './audit-mapping';

const EVENT_MAP_FILE = join(__dirname, '..', '..', '..', 'platform', 'events', 'event-map.ts');

/**
 * The event names and payload field names declared in `interface DomainEventMap`, read from
 * the source: types are gone at run time, and ts-jest does not type-check, so this is how a
 * test sees an event that has no mapping yet.
 */
function declaredEvents(): Map<string, Set<string>> {
  const source = ts.createSourceFile(EVENT_MAP_FILE, readFileSync(EVENT_MAP_FILE, 'utf8'), ts.ScriptTarget.Latest, true);
  const events = new Map<string, Set<string>>();
  const nameOf = (name: ts.PropertyName): string =>
    ts.isStringLiteral(name) || ts.isIdentifier(name) ? name.text : name.getText(source);
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== 'DomainEventMap') return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const fields = new Set<string>();
      if (ts.isTypeLiteralNode(member.type)) {
        for (const field of member.type.members) if (field.name) fields.add(nameOf(field.name));
      }
      events.set(nameOf(member.name), fields);
    }
  });
  return events;
}

const declared = declaredEvents();
const mapped = Object.keys(AUDIT_MAPPING);

describe('AUDIT_MAPPING', () => {
  it('finds the events in event-map.ts (the parser works)', () => {
    expect(declared.size).toBeGreaterThan(20);
    expect(declared.get('auth.login_failed')).toEqual(new Set(['email', 'user_id', 'reason', 'ip', 'user_agent']));
  });

  it('has an entry for every event in DomainEventMap: a new event must be mapped (or skipped, with a reason) in audit-mapping.ts', () => {
    const unmapped = [...declared.keys()].filter((name) => !mapped.includes(name));
    expect(unmapped).toEqual([]);
  });

  it('has no entry for an event that no longer exists', () => {
    expect(mapped.filter((name) => !declared.has(name))).toEqual([]);
  });

  describe.each(mapped.map((name) => [name]))('%s', (name) => {
    const rule = AUDIT_MAPPING[name as keyof typeof AUDIT_MAPPING];
    const fields = declared.get(name) ?? new Set<string>();

    if (isSkipRule(rule)) {
      it('is skipped for a stated reason', () => {
        expect(rule.skip.length).toBeGreaterThan(20);
      });
      return;
    }

    it('names payload fields that exist for its subject and actor', () => {
      for (const subject of rule.subject) expect(fields).toContain(subject.id);
      if (rule.actor !== null) expect(fields).toContain(rule.actor);
    });

    it('uses snake_case subject types of at most 50 characters', () => {
      for (const subject of rule.subject) expect(subject.type).toMatch(/^[a-z][a-z0-9_]{0,49}$/);
    });

    it('has a known outcome', () => {
      if (typeof rule.outcome === 'string') expect(AUDIT_OUTCOMES).toContain(rule.outcome);
      else expect(typeof rule.outcome).toBe('function');
    });
  });

  it('skips jobs.run_completed (operational noise, not a security fact)', () => {
    expect(isSkipRule(AUDIT_MAPPING['jobs.run_completed'])).toBe(true);
  });

  it('audits the facts the seeds ask for', () => {
    expect(auditedEventNames()).toEqual(
      expect.arrayContaining([
        'auth.user_registered',
        'auth.registration_failed',
        'auth.login_succeeded',
        'auth.login_failed',
        'auth.account_locked',
        'auth.account_unlocked',
        'auth.suspicious_login',
        'sessions.refresh_reuse_detected',
        'sessions.revoked',
        'auth.password_changed',
        'status.event_posted',
      ]),
    );
    expect(auditedEventNames()).not.toContain('jobs.run_completed');
  });

  it('decides conditional outcomes from the payload', () => {
    const rule = auditRuleFor('sessions.suspicious_refresh');
    if (!rule || isSkipRule(rule) || typeof rule.outcome !== 'function') throw new Error('expected a conditional outcome');
    const outcome = rule.outcome as (e: { action: string }) => string;
    expect(outcome({ action: 'denied' })).toBe('denied');
    expect(outcome({ action: 'allowed' })).toBe('flagged');
  });

  it('answers undefined for an unknown name, and never reads inherited keys', () => {
    expect(auditRuleFor('nope.nothing')).toBeUndefined();
    expect(auditRuleFor('toString')).toBeUndefined();
    expect(auditRuleFor('__proto__')).toBeUndefined();
  });
});
