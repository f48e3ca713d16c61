import fs from 'node:fs';
import path from 'node:path';
import { METRICS, type MetricName } from '../../lib/telemetry/catalog';
import { tagList } from '../../lib/telemetry/metrics';

/**
 * The catalog (lib/telemetry/catalog.ts) is the truth about what is sent: code sends only through
 * lib/telemetry/metrics.ts (the type system checks names and tags there), and each catalogued metric is
 * really sent from the file the catalog names. monitors/ (issue 9) will be checked against it too.
 */
const root = path.resolve(__dirname, '../..');
const SOURCE_DIRS = ['api', 'activities', 'lib', 'workers', 'workflows', 'scripts'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}
const files = SOURCE_DIRS.flatMap(sourceFiles);

test('only lib/telemetry/metrics.ts talks DogStatsD', () => {
  // scripts/ may listen on UDP (the tracing benchmark's sink); what the services send starts in these folders.
  const clients = files.filter((f) => !f.startsWith('scripts') && /from 'hot-shots'|\.dogstatsd\b|node:dgram/.test(fs.readFileSync(path.join(root, f), 'utf8')));
  expect(clients).toEqual([path.join('lib', 'telemetry', 'metrics.ts')]);
});

test('every metric name in the code is in the catalog', () => {
  const used = new Set<string>();
  for (const f of files) {
    for (const m of fs.readFileSync(path.join(root, f), 'utf8').matchAll(/\bmetrics\.(?:increment|gauge|distribution)\(\s*'([^']+)'/g)) used.add(m[1]!);
  }
  expect(used.size).toBeGreaterThan(10);
  for (const name of used) expect(Object.keys(METRICS)).toContain(name);
});

test.each(Object.entries(METRICS).filter(([, d]) => !d.emittedBy.includes('issue')))('%s is sent from where the catalog says', (name, def) => {
  const places = def.emittedBy.split(',').map((p) => p.trim());
  const sent = places.some((p) => fs.readFileSync(path.join(root, p), 'utf8').includes(`'${name}'`));
  expect(sent).toBe(true);
});

test('tags: only the catalogued keys, and values that cannot be PII', () => {
  expect(tagList('routing.leads_routed' as MetricName, { workspace_id: 'b1cef9c9-87cb-4750-92d8-ed7dd8920ffa', result: 'success', email: 'x' })).toEqual([
    'workspace_id:b1cef9c9-87cb-4750-92d8-ed7dd8920ffa',
    'result:success',
  ]);
  expect(tagList('routing.retry_queue.inserts', { reason: 'jane doe@outlook.com' })).toEqual(['reason:invalid']);
  expect(tagList('routing.delivery.errors', { destination_workspace_id: undefined, status_class: '5xx' })).toEqual(['status_class:5xx']);
});
