import type { FastifyInstance, FastifyRequest } from 'fastify';
import { simulateRouting } from '../../../lib/routing/simulate';
import { deleteRule, getRule, insertRule, listRules, ruleVersion, ruleVersions, updateRule, type NewRule } from '../../../lib/store/rules';
import { getWorkspace, listWorkspaces } from '../../../lib/store/workspaces';
import type { RouteDeps } from '../../app';
import { notFound, type FieldProblem } from '../../errors';
import { isSound, refuseProblems, reportProblems } from '../../plugins/inputProblems';
import { checkedIdentity } from '../../leadIdentity';
import { normalizeLeadInput } from '../../leadInput';
import { ruleConditionProblems } from '../../ruleConditions';
import type { Condition, Distribution } from '../../../lib/rules/types';
import { listRulesQuerySchema, ruleBodySchema, ruleVersionParamsSchema, simulateBodySchema, type ListRulesQuery, type RuleBody, type SimulateBody } from '../../schemas/admin';
import { idParamsSchema } from '../../schemas/params';
import { refuseBody } from '../../plugins/noBody';
import { routeDocs } from '../../schemas/responses';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks what the JSON schema cannot: the condition tree (errors name its path), parts no lead can ever
 * satisfy (a field, op or value the normalised lead never holds, a `not` of an empty group, a phone value that is
 * not in the E.164 form a lead's phone is compared in: api/ruleConditions.ts),
 * destinations that are partners and carry a weight only in a weighted rule, a source scope that is a
 * source. Each check runs on the parts the schema found sound (api/plugins/inputProblems.ts isSound), so one
 * 400 names every problem of the body, the schema's included. Returns the rule to store, or throws that 400.
 */
async function validRule(deps: RouteDeps, request: FastifyRequest): Promise<NewRule> {
  // The body as sent: when the schema found problems it may be any shape, so each part is read with care.
  const body: Record<string, unknown> = isObject(request.body) ? request.body : {};
  const sound = (field: string) => isSound(request, field);
  const problems: FieldProblem[] = [];
  let conditions: Condition = { all: [] };
  if (sound('conditions')) {
    // No conditions: a catch-all rule. Values are compared in the form lead values are stored in.
    const checked = ruleConditionProblems(body.conditions ?? { all: [] }, { defaultPhoneCountry: deps.config.DEFAULT_PHONE_COUNTRY });
    conditions = checked.conditions;
    problems.push(...checked.problems.map((p) => ({ field: p.path, message: p.message })));
  }
  // Whether weights are allowed depends on the distribution: unknown while it is itself a problem.
  const distribution = sound('distribution') ? ((body.distribution as Distribution | undefined) ?? 'priority') : undefined;
  const workspaces = new Map((await listWorkspaces(deps.db)).map((w) => [w.id, w]));
  const seen = new Set<string>();
  (Array.isArray(body.destinations) ? (body.destinations as unknown[]) : []).forEach((d, i) => {
    const at = `destinations[${i}]`;
    if (!isObject(d)) return;
    if (sound(`${at}.workspaceId`) && typeof d.workspaceId === 'string') {
      if (workspaces.get(d.workspaceId)?.kind !== 'partner') problems.push({ field: `${at}.workspaceId`, message: 'is not a partner workspace' });
      if (seen.has(d.workspaceId)) problems.push({ field: `${at}.workspaceId`, message: 'is listed twice' });
      seen.add(d.workspaceId);
    }
    // A weight elsewhere would be stored and shown, yet never change where a lead goes.
    if (d.weight !== undefined && distribution !== undefined && distribution !== 'weighted' && sound(`${at}.weight`)) {
      problems.push({ field: `${at}.weight`, message: `only weighted rules use weights (this rule's distribution is ${distribution})` });
    }
  });
  if (typeof body.sourceWorkspaceId === 'string' && sound('sourceWorkspaceId') && workspaces.get(body.sourceWorkspaceId)?.kind !== 'source') {
    problems.push({ field: 'sourceWorkspaceId', message: 'is not a source workspace' });
  }
  refuseProblems(request, 'invalid rule', problems);
  const valid = body as unknown as RuleBody; // every check passed: the body is the schema's shape
  return {
    name: valid.name,
    priority: valid.priority,
    sourceWorkspaceId: valid.sourceWorkspaceId ?? null,
    conditions,
    destinations: valid.destinations,
    distribution: distribution ?? 'priority',
    enabled: valid.enabled ?? true,
  };
}

/**
 * A simulation's checks the schema cannot make, on the parts it found sound: the source is an enabled source, and
 * the lead's email and phone pass a real lead's identity checks (its fields named under `lead`). Returns the lead's
 * identity hashes, or throws one 400 naming every problem, the schema's included.
 */
async function simulatedIdentity(deps: RouteDeps, request: FastifyRequest): Promise<{ emailHash: string | null; phoneHash: string | null }> {
  const { db, config } = deps;
  const body: Record<string, unknown> = isObject(request.body) ? request.body : {};
  if (typeof body.sourceWorkspaceId === 'string' && isSound(request, 'sourceWorkspaceId')) {
    const source = await getWorkspace(db, body.sourceWorkspaceId);
    const field = 'sourceWorkspaceId';
    if (source?.kind !== 'source') reportProblems(request, 'invalid body', [{ field, message: 'is not a source workspace' }]);
    // Its real leads get 401 and are never routed: a decision here would describe something that cannot happen.
    else if (!source.enabled) reportProblems(request, 'invalid body', [{ field, message: 'is a disabled source: its leads are refused (401) and never routed; enable it (PATCH enabled: true) to simulate' }]);
  }
  // Same checks as a real lead; the fields live under `lead` here.
  return checkedIdentity(request, { hmacKey: config.IDENTITY_HMAC_KEY, defaultCountry: config.DEFAULT_PHONE_COUNTRY, placeholderEmails: config.DEDUPE_PLACEHOLDER_EMAILS, placeholderPhones: config.DEDUPE_PLACEHOLDER_PHONES }, 'lead');
}

export function adminRuleRoutes(app: FastifyInstance, deps: RouteDeps) {
  const { db, config, auth } = deps;
  const onRequest = auth.admin;
  const params = { params: idParamsSchema };

  // Each write checks the body in its handler, then answers every problem at once (api/plugins/inputProblems.ts).
  const checksInHandler = { checksInHandler: true };
  app.post<{ Body: RuleBody }>('/api/admin/rules', { onRequest, config: checksInHandler, schema: { ...routeDocs.createRule, body: ruleBodySchema } }, async (request, reply) =>
    reply.status(201).send(await insertRule(db, await validRule(deps, request))),
  );

  app.get<{ Querystring: ListRulesQuery }>('/api/admin/rules', { onRequest, schema: { ...routeDocs.listRules, querystring: listRulesQuerySchema } }, async (request) => ({
    rules: await listRules(db, { includeDeleted: request.query.includeDeleted }),
  }));

  // A deleted rule stays readable by id (with `deletedAt`), versions included: the decision traces of the
  // leads it routed name its versions, and an operator explaining such a lead must be able to read them.
  app.get<{ Params: { id: string } }>('/api/admin/rules/:id', { onRequest, schema: { ...routeDocs.getRule, ...params } }, async (request) => {
    const rule = await getRule(db, request.params.id, { includeDeleted: true });
    if (!rule) throw notFound('rule');
    return { ...rule, versions: await ruleVersions(db, rule.id) };
  });

  app.get<{ Params: { id: string } }>('/api/admin/rules/:id/versions', { onRequest, schema: { ...routeDocs.listRuleVersions, ...params } }, async (request) => {
    const rule = await getRule(db, request.params.id, { includeDeleted: true });
    if (!rule) throw notFound('rule');
    return { ruleId: rule.id, deletedAt: rule.deletedAt, versions: await ruleVersions(db, rule.id) };
  });

  app.get<{ Params: { id: string; version: number } }>('/api/admin/rules/:id/versions/:version', { onRequest, schema: { ...routeDocs.getRuleVersion, params: ruleVersionParamsSchema } }, async (request) => {
    const rule = await getRule(db, request.params.id, { includeDeleted: true });
    if (!rule) throw notFound('rule');
    const version = await ruleVersion(db, rule.id, request.params.version);
    if (!version) throw notFound('rule version');
    return { ruleId: rule.id, deletedAt: rule.deletedAt, ...version };
  });

  /** Replaces the rule; the previous definition stays in its versions, and leads keep the version that routed them. */
  app.put<{ Params: { id: string }; Body: RuleBody }>('/api/admin/rules/:id', { onRequest, config: checksInHandler, schema: { ...routeDocs.replaceRule, ...params, body: ruleBodySchema } }, async (request) => {
    const rule = await updateRule(db, request.params.id, await validRule(deps, request));
    if (!rule) throw notFound('rule');
    return rule;
  });

  app.delete<{ Params: { id: string } }>('/api/admin/rules/:id', { onRequest, preHandler: refuseBody, schema: { ...routeDocs.deleteRule, ...params } }, async (request, reply) => {
    if (!(await deleteRule(db, request.params.id))) throw notFound('rule');
    return reply.status(204).send();
  });

  /** What-if: the decision and its trace for a lead, from the real routing code, writing nothing. */
  const normalizeSimulated = async (request: { body: unknown }) => {
    const body = request.body as { lead?: unknown } | undefined;
    if (body && typeof body === 'object' && 'lead' in body) body.lead = normalizeLeadInput(body.lead);
  };
  app.post<{ Body: SimulateBody }>('/api/admin/rules/simulate', { onRequest, config: checksInHandler, preValidation: normalizeSimulated, schema: { ...routeDocs.simulateRouting, body: simulateBodySchema } }, async (request) => {
    const hashes = await simulatedIdentity(deps, request);
    const { sourceWorkspaceId, lead } = request.body;
    const decision = await simulateRouting(db, { sourceWorkspaceId, payload: lead as Record<string, unknown>, ...hashes }, { dedupeWindowDays: config.DEDUPE_WINDOW_DAYS, defaultPhoneCountry: config.DEFAULT_PHONE_COUNTRY });
    return { decision };
  });
}
