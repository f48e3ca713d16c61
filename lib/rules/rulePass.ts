/**
 * One lead's walk over the rules, in evaluation order, for a rules snapshot the worker reuses lead after lead
 * (lib/store/rulesCache.ts hands out the same array until a rule changes). Issue 10: decide p95 < 2 ms with
 * 1,000 rules.
 *
 * Why a prepared snapshot: between two leads the worker waits on Postgres, which runs on the same two cores,
 * so each lead's evaluation starts with cold CPU caches. Checking every rule one by one (the rule object, its
 * gate in a Map, the gate's Set, the compiled tree) is then bound by memory latency, not by the tests
 * themselves: the bench's 1,000 rules took p50 0.22 / p95 1.0-1.5 ms per lead with the caches flushed between
 * leads, 0.04 / 0.27 ms without (README, Benchmark, session 11). The prepared snapshot answers the rules whose
 * gate (gate.ts: the first predicate tested, an `eq`/`in`) refuses the lead from dense arrays: per gate field
 * one Map lookup of the lead's value gives the rules that accept it; every other gated rule's entry is its
 * shared miss entry, read in sequence. Only rules without a gate, or whose gate accepts the lead, are evaluated.
 *
 * Exact: a pass yields, rule for rule, what applicableRules + checkRule (evaluate.ts) yield: the same rules in
 * the same order, and for each the entry of its compiled tree (compile.ts), a gated rule's miss learnt from the
 * tree's own answer for the first lead its gate refused (a rule whose tree disagrees, which should not happen,
 * loses its gate). test/unit/rulePass.test.ts compares the two over thousands of generated rules and leads.
 *
 * Entries of rules that did not match are shared and frozen (one per rule and failing predicate); a matched
 * rule's entry is a new object its caller may add to (destinations, chosen).
 */
import { applicableRules, byPriorityThenId, checkRule } from './evaluate';
import { compileFrozen, type Miss } from './compile';
import { gateOf } from './gate';
import type { FieldReader } from './operators';
import type { LeadFields, RoutingRule, RuleTrace } from './types';

/** A walk over the rules that apply to one lead's source: `advance()` moves to the next and checks it. */
export interface RulePass {
  /** Moves to the next applicable rule and checks it (`rule`, `trace`); false once every one has been checked. */
  advance(): boolean;
  /** The rule `advance()` moved to. */
  readonly rule: RoutingRule;
  /** Its entry: `matched`, or where it failed. */
  readonly trace: RuleTrace;
}

/** A miss of a snapshot's compiled tree, with the rule's (frozen) trace entry for it, made at compile time. */
interface MissWithEntry extends Miss { entry: Readonly<RuleTrace> }
type CompiledRule = (lead: LeadFields) => MissWithEntry | undefined;

/** A snapshot prepared for passes (see the module comment). Built once per rules array; shared by every pass. */
interface Prepared {
  /** The enabled rules, in evaluation order (priority, then id: evaluate.ts applicableRules' order). */
  ordered: RoutingRule[];
  /** Per position: the source the rule is scoped to, null for every source. */
  scope: Array<string | null>;
  /** Per position: the index in `gateFields` of the rule's gate, -1 if it has none (or lost it). */
  gateField: Int32Array;
  /** Per position: where the rule's tree reports its gate's miss. */
  gatePath: Array<string | undefined>;
  /** One per field some gate tests: its reader and, per value a gate accepts, the positions whose gate does. */
  gateFields: Array<{ read: FieldReader; accepts: Map<unknown, number[]> }>;
  /** Per position: the entry of a lead its gate refuses, once learnt. */
  gateMiss: Array<Readonly<RuleTrace> | undefined>;
  /** Per position: the compiled tree (each miss with its entry), compiled on its first full evaluation. */
  compiled: Array<CompiledRule | undefined>;
}

/**
 * Per rules array: its prepared snapshot, or SEEN_ONCE after its first pass. An array seen once is walked the
 * plain way (applicableRules + checkRule) and prepared from its second pass on, so callers that load the rules
 * afresh for each lead (the table read, a simulation) never pay for a snapshot they do not reuse.
 */
const SEEN_ONCE = 'seen-once';
const snapshots = new WeakMap<readonly RoutingRule[], Prepared | typeof SEEN_ONCE>();

/**
 * A pass over the rules of `rules` (every rule loaded; the enabled ones scoped to `sourceWorkspaceId` or to
 * every source apply) for `lead`, as the rules see it (leadView.ts ruleLeadView). `rules` must not be changed
 * once passed here (the worker's cache replaces the array when a rule changes).
 */
export function startRulePass(rules: readonly RoutingRule[], sourceWorkspaceId: string, lead: LeadFields): RulePass {
  const known = snapshots.get(rules);
  if (known === undefined) {
    snapshots.set(rules, SEEN_ONCE);
    return plainPass(applicableRules(rules as RoutingRule[], sourceWorkspaceId), lead);
  }
  const prepared = known === SEEN_ONCE ? prepare(rules) : known;
  if (known === SEEN_ONCE) snapshots.set(rules, prepared);
  return new PreparedPass(prepared, sourceWorkspaceId, lead);
}

/** The pass without a snapshot: checkRule on each applicable rule in turn. */
function plainPass(applicable: RoutingRule[], lead: LeadFields): RulePass {
  let next = 0;
  const pass = {
    rule: undefined as unknown as RoutingRule,
    trace: undefined as unknown as RuleTrace,
    advance(): boolean {
      if (next >= applicable.length) return false;
      pass.rule = applicable[next++]!;
      pass.trace = checkRule(lead, pass.rule);
      return true;
    },
  };
  return pass;
}

function prepare(rules: readonly RoutingRule[]): Prepared {
  return prepareOrdered(inEvaluationOrder(rules));
}

/** The enabled rules, by priority then id (evaluate.ts applicableRules' order, whatever their scope). */
function inEvaluationOrder(rules: readonly RoutingRule[]): RoutingRule[] {
  return rules.filter((r) => r.enabled).sort(byPriorityThenId);
}

function prepareOrdered(ordered: RoutingRule[]): Prepared {
  const n = ordered.length;
  const gateField = new Int32Array(n).fill(-1);
  const gatePath: Array<string | undefined> = new Array(n).fill(undefined);
  const gateFields: Prepared['gateFields'] = [];
  const fieldIndex = new Map<string, number>();
  ordered.forEach((rule, i) => {
    const gate = gateOf(rule);
    if (!gate) return;
    let f = fieldIndex.get(gate.field);
    if (f === undefined) {
      f = gateFields.push({ read: gate.read, accepts: new Map() }) - 1;
      fieldIndex.set(gate.field, f);
    }
    const { accepts } = gateFields[f]!;
    for (const value of gate.values) {
      const positions = accepts.get(value);
      if (positions) positions.push(i);
      else accepts.set(value, [i]);
    }
    gateField[i] = f;
    gatePath[i] = gate.path;
  });
  return {
    ordered,
    scope: ordered.map((r) => r.sourceWorkspaceId),
    gateField,
    gatePath,
    gateFields,
    gateMiss: new Array(n).fill(undefined),
    compiled: new Array(n).fill(undefined),
  };
}

class PreparedPass implements RulePass {
  rule = undefined as unknown as RoutingRule;
  trace = undefined as unknown as RuleTrace;
  private position = -1;
  /** Per position: 1 when the rule's gate accepts this lead. */
  private readonly accepted: Uint8Array;

  constructor(private readonly p: Prepared, private readonly source: string, private readonly lead: LeadFields) {
    this.accepted = new Uint8Array(p.ordered.length);
    for (const { read, accepts } of p.gateFields) {
      const positions = accepts.get(read(lead));
      if (positions) for (const i of positions) this.accepted[i] = 1;
    }
  }

  advance(): boolean {
    const { scope, ordered } = this.p;
    for (let i = this.position + 1; i < ordered.length; i++) {
      const s = scope[i];
      if (s !== null && s !== this.source) continue;
      this.position = i;
      this.rule = ordered[i]!;
      this.trace = this.check(i);
      return true;
    }
    this.position = ordered.length;
    return false;
  }

  private check(i: number): RuleTrace {
    const p = this.p;
    if (p.gateField[i]! < 0 || this.accepted[i] === 1) return this.evaluate(i);
    const known = p.gateMiss[i];
    if (known) return known;
    // The first lead this gate refuses: learn its entry from the tree's own answer.
    const entry = this.evaluate(i);
    if (entry.matched || entry.failedAt?.path !== p.gatePath[i]) p.gateField[i] = -1; // not what the gate predicts
    else p.gateMiss[i] = entry;
    return entry;
  }

  /** The compiled tree's answer: a new entry if the rule matched, else the rule's shared entry for that miss. */
  private evaluate(i: number): RuleTrace {
    const p = this.p;
    const rule = p.ordered[i]!;
    const miss = (p.compiled[i] ??= compileRule(rule))(this.lead);
    return miss ? miss.entry : { ruleId: rule.id, ruleName: rule.name, priority: rule.priority, version: rule.version, matched: true };
  }
}

/** The rule's tree compiled for a snapshot (compile.ts compileFrozen), each miss carrying the rule's entry for it. */
function compileRule(rule: RoutingRule): CompiledRule {
  return compileFrozen(rule.conditions, (path, predicate) => ({
    path,
    predicate,
    entry: Object.freeze({
      ruleId: rule.id, ruleName: rule.name, priority: rule.priority, version: rule.version, matched: false,
      failedAt: Object.freeze({ path, field: predicate.field, op: predicate.op }),
    }),
  }));
}
