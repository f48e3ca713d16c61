// checkRule (lib/rules/evaluate.ts): one rule's trace entry for a lead: matched, or where it failed (never the value).
import { checkRule } from '../../lib/rules/evaluate';
import type { LeadFields } from '../../lib/rules/types';
import { eq, pr, rule } from '../support/ruleBuilders';

describe('checkRule', () => {
  const lead: LeadFields = { state: 'CA', attributes: { loanAmount: 90000 } };

  test('a matching rule: a trace entry with no failedAt', () => {
    const r = rule({ id: 'm', name: 'CA loans', priority: 4, version: 2, conditions: { all: [eq('state', 'CA'), pr('attributes.loanAmount', 'gt', 50000)] } });
    const trace = checkRule(lead, r);
    expect(trace).toEqual({ ruleId: 'm', ruleName: 'CA loans', priority: 4, version: 2, matched: true });
    expect('failedAt' in trace).toBe(false);
  });

  test('a failing rule: the path, field and operator of the first failing predicate, never the value', () => {
    const r = rule({
      id: 'f',
      name: 'big loans',
      priority: 5,
      conditions: { all: [eq('state', 'CA'), { any: [pr('attributes.loanAmount', 'between', [100000, 900000]), pr('attributes.jumbo', 'exists')] }] },
    });
    const trace = checkRule(lead, r);
    expect(trace).toEqual({
      ruleId: 'f',
      ruleName: 'big loans',
      priority: 5,
      version: 1,
      matched: false,
      failedAt: { path: 'conditions.all[1].any[0]', field: 'attributes.loanAmount', op: 'between' },
    });
    expect(JSON.stringify(trace)).not.toContain('90000');
  });

  test('a failing not names the not and the first predicate of its tree', () => {
    const r = rule({ id: 'n', conditions: { all: [{ not: { all: [pr('state', 'starts_with', 'c'), pr('state', 'ends_with', 'A')] } }] } });
    expect(checkRule(lead, r).failedAt).toEqual({ path: 'conditions.all[0].not', field: 'state', op: 'starts_with' });
  });

  test('a fresh object each call (callers add to it)', () => {
    const r = rule({ id: 'fresh' });
    const a = checkRule(lead, r);
    const b = checkRule(lead, r);
    expect(a).not.toBe(b);
    a.noEligibleDestination = true;
    expect(b.noEligibleDestination).toBeUndefined();
  });

  test('does not look at enabled or the source (that is applicableRules\' job)', () => {
    expect(checkRule(lead, rule({ id: 'off', enabled: false, sourceWorkspaceId: 'elsewhere' })).matched).toBe(true);
  });
});
