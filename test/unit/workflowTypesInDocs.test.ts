// The Web UI and `temporal workflow list` queries that the README and the runbooks give on-call name every workflow
// type a lead's run may have (workflows/routeLead.types.ts ROUTE_LEAD_WORKFLOW_TYPES): a query that forgot one
// (routeLeadV2 after session 10, a V3 later) would show on-call no stuck lead of that type.
import fs from 'node:fs';
import path from 'node:path';
import { ROUTE_LEAD_WORKFLOW_TYPES } from '../../workflows/routeLead.types';

const root = path.resolve(__dirname, '../..');
const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs/runbooks')).filter((f) => f.endsWith('.md')).map((f) => `docs/runbooks/${f}`)];

test('every WorkflowType query in the README and the runbooks lists exactly the lead workflow types', () => {
  const queries = docs.flatMap((file) =>
    [...fs.readFileSync(path.join(root, file), 'utf8').matchAll(/WorkflowType\s*(=|IN)\s*(\([^)]*\)|"[^"]*")/g)].map((m) => ({ file, query: m[0], list: m[2]! })));
  expect(queries.length).toBeGreaterThanOrEqual(4); // README's table and the rollback runbook's commands
  for (const { file, query, list } of queries) {
    const types = [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort();
    expect({ file, query, types }).toEqual({ file, query, types: [...ROUTE_LEAD_WORKFLOW_TYPES].sort() });
  }
});
