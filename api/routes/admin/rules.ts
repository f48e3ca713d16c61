import type { FastifyInstance } from 'fastify';
import { validateConditions } from '../../../lib/rules/validate';
import { insertRule, listRules } from '../../../lib/store/rules';
import { listWorkspaces } from '../../../lib/store/workspaces';
import type { AppDeps } from '../../app';
import { badRequest, type FieldProblem } from '../../errors';
import { requireAdmin } from '../../plugins/auth';
import { ruleBodySchema, type RuleBody } from '../../schemas/admin';

export function adminRuleRoutes(app: FastifyInstance, { db, config }: AppDeps) {
  const onRequest = requireAdmin({ db, adminToken: config.ADMIN_TOKEN });

  app.post<{ Body: RuleBody }>('/api/admin/rules', { onRequest, schema: { body: ruleBodySchema } }, async (request, reply) => {
    const body = request.body;
    const conditions = body.conditions ?? { all: [] }; // no conditions: a catch-all rule
    const problems: FieldProblem[] = validateConditions(conditions).map((p) => ({ field: p.path, message: p.message }));

    const workspaces = new Map((await listWorkspaces(db)).map((w) => [w.id, w]));
    body.destinations.forEach((d, i) => {
      if (workspaces.get(d.workspaceId)?.kind !== 'partner') problems.push({ field: `destinations[${i}].workspaceId`, message: 'is not a partner workspace' });
    });
    if (body.sourceWorkspaceId && workspaces.get(body.sourceWorkspaceId)?.kind !== 'source') {
      problems.push({ field: 'sourceWorkspaceId', message: 'is not a source workspace' });
    }
    if (problems.length) throw badRequest('invalid rule', problems);

    const rule = await insertRule(db, {
      name: body.name,
      priority: body.priority,
      sourceWorkspaceId: body.sourceWorkspaceId ?? null,
      conditions,
      destinations: body.destinations,
      distribution: body.distribution ?? 'priority',
      enabled: body.enabled ?? true,
    });
    return reply.status(201).send(rule);
  });

  app.get('/api/admin/rules', { onRequest }, async () => ({ rules: await listRules(db) }));
}
