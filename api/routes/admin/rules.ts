import type { FastifyInstance } from 'fastify';
import { simulateRouting } from '../../../lib/routing/simulate';
import { deleteRule, getRule, insertRule, listRules, ruleVersion, ruleVersions, updateRule, type NewRule } from '../../../lib/store/rules';
import { getWorkspace, listWorkspaces } from '../../../lib/store/workspaces';
import type { RouteDeps } from '../../app';
import { ApiError, badRequest, notFound, type FieldProblem } from '../../errors';
import { leadIdentityHashes } from '../../leadIdentity';
import { normalizeLeadInput } from '../../leadInput';
import { ruleConditionProblems } from '../../ruleConditions';
import { listRulesQuerySchema, ruleBodySchema, ruleVersionParamsSchema, simulateBodySchema, type ListRulesQuery, type RuleBody, type SimulateBody } from '../../schemas/admin';
import { idParamsSchema } from '../../schemas/params';
import { refuseBody } from './noBody';
import { routeDocs } from '../../schemas/responses';

/**
 * Checks what the JSON schema cannot: the condition tree (errors name its path), parts no lead can ever
 * satisfy (a field, op or value the normalised lead never holds, a `not` of an empty group, a phone value that is
 * not in the E.164 form a lead's phone is compared in: api/ruleConditions.ts),
 * destinations that are partners and carry a weight only in a weighted rule, a source scope that is a
 * source. Returns the rule to store or throws a 400 naming each field.
 */
async function validRule(deps: RouteDeps, body: RuleBody): Promise<NewRule> {
  // No conditions: a catch-all rule. Values are compared in the form lead values are stored in.
  const checked = ruleConditionProblems(body.conditions ?? { all: [] }, { defaultPhoneCountry: deps.config.DEFAULT_PHONE_COUNTRY });
  const conditions = checked.conditions;
  const problems: FieldProblem[] = checked.problems.map((p) => ({ field: p.path, message: p.message }));
  const distribution = body.distribution ?? 'priority';
  const workspaces = new Map((await listWorkspaces(deps.db)).map((w) => [w.id, w]));
  const seen = new Set<string>();
  body.destinations.forEach((d, i) => {
    if (workspaces.get(d.workspaceId)?.kind !== 'partner') problems.push({ field: `destinations[${i}].workspaceId`, message: 'is not a partner workspace' });
    if (seen.has(d.workspaceId)) problems.push({ field: `destinations[${i}].workspaceId`, message: 'is listed twice' });
    seen.add(d.workspaceId);
    // A weight elsewhere would be stored and shown, yet never change where a lead goes.
    if (d.weight !== undefined && distribution !== 'weighted') problems.push({ field: `destinations[${i}].weight`, message: `only weighted rules use weights (this rule's distribution is ${distribution})` });
  });
  if (body.sourceWorkspaceId && workspaces.get(body.sourceWorkspaceId)?.kind !== 'source') {
    problems.push({ field: 'sourceWorkspaceId', message: 'is not a source workspace' });
  }
  if (problems.length) throw badRequest('invalid rule', problems);
  return {
    name: body.name,
    priority: body.priority,
    sourceWorkspaceId: body.sourceWorkspaceId ?? null,
    conditions,
    destinations: body.destinations,
    distribution,
    enabled: body.enabled ?? true,
  };
}

export function adminRuleRoutes(app: FastifyInstance, deps: RouteDeps) {
  const { db, config, auth } = deps;
  const onRequest = auth.admin;
  const params = { params: idParamsSchema };

  app.post<{ Body: RuleBody }>('/api/admin/rules', { onRequest, schema: { ...routeDocs.createRule, body: ruleBodySchema } }, async (request, reply) =>
    reply.status(201).send(await insertRule(db, await validRule(deps, request.body))),
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
  app.put<{ Params: { id: string }; Body: RuleBody }>('/api/admin/rules/:id', { onRequest, schema: { ...routeDocs.replaceRule, ...params, body: ruleBodySchema } }, async (request) => {
    const rule = await updateRule(db, request.params.id, await validRule(deps, request.body));
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
  app.post<{ Body: SimulateBody }>('/api/admin/rules/simulate', { onRequest, preValidation: normalizeSimulated, schema: { ...routeDocs.simulateRouting, body: simulateBodySchema } }, async (request) => {
    const { sourceWorkspaceId, lead } = request.body;
    const source = await getWorkspace(db, sourceWorkspaceId);
    if (source?.kind !== 'source') throw badRequest('invalid body', [{ field: 'sourceWorkspaceId', message: 'is not a source workspace' }]);
    // Its real leads get 401 and are never routed: a decision here would describe something that cannot happen.
    if (!source.enabled) throw badRequest('invalid body', [{ field: 'sourceWorkspaceId', message: 'is a disabled source: its leads are refused (401) and never routed; enable it (PATCH enabled: true) to simulate' }]);
    let hashes;
    try {
      hashes = leadIdentityHashes({ externalId: 'simulation', ...lead }, { hmacKey: config.IDENTITY_HMAC_KEY, defaultCountry: config.DEFAULT_PHONE_COUNTRY, placeholderEmails: config.DEDUPE_PLACEHOLDER_EMAILS, placeholderPhones: config.DEDUPE_PLACEHOLDER_PHONES });
    } catch (err) {
      // Same checks as a real lead; the fields live under `lead` here.
      if (err instanceof ApiError && err.details) throw badRequest(err.message, err.details.map((d) => ({ ...d, field: `lead.${d.field}` })));
      throw err;
    }
    const decision = await simulateRouting(db, { sourceWorkspaceId, payload: lead as Record<string, unknown>, ...hashes }, { dedupeWindowDays: config.DEDUPE_WINDOW_DAYS, defaultPhoneCountry: config.DEFAULT_PHONE_COUNTRY });
    return { decision };
  });
}
