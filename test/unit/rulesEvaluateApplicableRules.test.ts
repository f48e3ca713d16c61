// applicableRules (lib/rules/evaluate.ts): which rules apply to a source, in what order.
import { applicableRules } from '../../lib/rules/evaluate';
import { rule } from '../support/ruleBuilders';

describe('applicableRules', () => {
  const rules = [
    rule({ id: 'c', priority: 10 }),
    rule({ id: 'off', priority: 0, enabled: false }),
    rule({ id: 'b', priority: 10, sourceWorkspaceId: 'src-1' }),
    rule({ id: 'other', priority: 1, sourceWorkspaceId: 'src-2' }),
    rule({ id: 'a', priority: 20 }),
    rule({ id: 'neg', priority: -5, sourceWorkspaceId: 'src-1' }),
    rule({ id: 'nine', priority: 9 }),
  ];

  test('enabled rules of this source or of every source, by priority then id', () => {
    expect(applicableRules(rules, 'src-1').map((r) => r.id)).toEqual(['neg', 'nine', 'b', 'c', 'a']);
    expect(applicableRules(rules, 'src-2').map((r) => r.id)).toEqual(['other', 'nine', 'c', 'a']);
    expect(applicableRules(rules, 'src-3').map((r) => r.id)).toEqual(['nine', 'c', 'a']);
  });

  test('returns a new array and leaves the input alone', () => {
    const before = rules.map((r) => r.id);
    const out = applicableRules(rules, 'src-1');
    expect(out).not.toBe(rules);
    expect(rules.map((r) => r.id)).toEqual(before);
    expect(out[0]).toBe(rules[5]); // the same rule objects, not copies
  });

  test('ties on priority are broken by id in code-unit order (locale-independent, as Postgres orders uuids)', () => {
    const tied = ['rule-9', 'Rule-b', 'rule-10', 'rule-a', '0f0e'].map((id) => rule({ id, priority: 1 }));
    expect(applicableRules(tied, 'src-1').map((r) => r.id)).toEqual(['0f0e', 'Rule-b', 'rule-10', 'rule-9', 'rule-a']);
    const uuids = ['f47ac10b-58cc-4372-a567-0e02b2c3d479', '0b7e1b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'];
    expect(applicableRules(uuids.map((id) => rule({ id, priority: 3 })), 'src-1').map((r) => r.id)).toEqual([...uuids].sort());
  });

  test('no rules, or none applicable', () => {
    expect(applicableRules([], 'src-1')).toEqual([]);
    expect(applicableRules([rule({ id: 'x', enabled: false })], 'src-1')).toEqual([]);
  });
});
