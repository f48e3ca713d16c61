import { canonicalPatternProblems } from '../lib/rules/canonicalPatterns';
import { identityValueProblems, phoneNumberCandidate } from '../lib/rules/identityValues';
import { constantGroupProblems, leadShapeProblems, type AsWritten } from '../lib/rules/neverMatches';
import { normalizeConditionValues } from '../lib/rules/normalize';
import type { Condition } from '../lib/rules/types';
import { checkableParts, unmatchableValueProblems, validateConditions, type RuleProblem } from '../lib/rules/validate';
import { RULE_LEAD_SHAPE } from './schemas/ruleLeadShape';

/** The settings a rule's conditions are read with: a phone number written without its country code is read in this country. */
export interface RuleConditionSettings { defaultPhoneCountry: string }

/**
 * A rule's conditions as written to the admin API, checked the way POST/PUT /api/admin/rules check them: values
 * normalized to the form lead values are compared in (lib/rules/normalize.ts), the tree validated
 * (lib/rules/validate.ts), then, in the parts the tree's problems leave readable (validate.ts checkableParts), the
 * parts no lead can ever satisfy (neverMatches.ts, identityValues.ts). Returns the tree to store and every problem
 * (at most one per path), each naming its path (`conditions.all[0].value`).
 * A suggestion a problem gives (`write "+14157340132"`) is one this same check accepts: asWritten below runs it.
 */
export function ruleConditionProblems(raw: unknown, settings: RuleConditionSettings, path = 'conditions'): { conditions: Condition; problems: RuleProblem[] } {
  const conditions = normalizeConditionValues(raw) as Condition;
  const treeProblems = validateConditions(conditions, path);
  // The later checks read the parts the tree's problems leave readable: every problem of the rule in one answer.
  const readable = checkableParts(conditions, treeProblems, path);
  const problems = firstPerPath([
    ...treeProblems,
    ...unmatchableValueProblems(readable, path),
    ...leadShapeProblems(readable, RULE_LEAD_SHAPE, path, { asWritten: asWritten(settings) }),
    ...identityValueProblems(readable, { defaultPhoneCountry: settings.defaultPhoneCountry }, path),
    ...canonicalPatternProblems(readable, path), // `matches` on email/phone that no canonical value can match
    ...constantGroupProblems(readable, path),
  ]);
  return { conditions, problems };
}

/**
 * How a value given as a number or boolean (`phone eq 14157340132`) is written as the string the field holds:
 * its text (`"14157340132"`), or for a phone number the E.164 form that text reads as (`"+14157340132"`, in
 * `defaultPhoneCountry` when it has no country code), whichever the whole check accepts first; otherwise why none is.
 */
function asWritten(settings: RuleConditionSettings): AsWritten {
  return (field, op, text) => {
    const candidates = [text];
    const phone = field === 'phone' ? phoneNumberCandidate(op, text, settings.defaultPhoneCountry) : undefined;
    if (phone !== undefined && phone !== text) candidates.push(phone);
    let reason = '';
    for (const candidate of candidates) {
      const value = op === 'in' || op === 'not_in' ? [candidate] : candidate;
      const problems = ruleConditionProblems({ field, op, value }, settings).problems;
      if (problems.length === 0) return { value: candidate };
      reason ||= problems[0]!.message;
    }
    return { reason };
  };
}

/** One problem per path, the first found: a phone value the lead schema refuses is not an E.164 one either. */
function firstPerPath<P extends { path: string }>(problems: P[]): P[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.path) && seen.add(p.path));
}
