import fs from 'node:fs';
import path from 'node:path';
import { LOG_EVENTS } from '../../lib/telemetry/logEvents';

/** The code writes only the log events lib/telemetry/logEvents.ts documents, and each documented one is written. */
const root = path.resolve(__dirname, '../..');
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}
const code = ['api', 'activities', 'lib', 'workers']
  .flatMap(sourceFiles)
  .filter((f) => !f.endsWith(path.join('telemetry', 'logEvents.ts')))
  .map((f) => fs.readFileSync(path.join(root, f), 'utf8'))
  .join('\n');

test('every event the code logs is documented', () => {
  const written = new Set([...code.matchAll(/event: '([a-z_.]+)'/g), ...code.matchAll(/onError\('([a-z_.]+)'\)/g)].map((m) => m[1]!));
  expect(written.size).toBeGreaterThan(20);
  for (const name of written) expect(Object.keys(LOG_EVENTS)).toContain(name);
});

test.each(Object.keys(LOG_EVENTS))('%s is written somewhere', (name) => {
  expect(code).toContain(`'${name}'`);
});
