import fs from 'node:fs';
import path from 'node:path';
import { ALERTS } from '../../monitors/alerts/definitions';
import { DASHBOARDS } from '../../monitors/dashboards';
import { RUNBOOKS } from '../../monitors/runbooks';
import { fencedBlocks, RUN_LANGUAGES, SKIP_LANGUAGES } from '../../scripts/local/runbookBlocks';

/**
 * The runbooks and the alerts that link to them stay in step (no Postgres or Temporal needed here; the
 * commands themselves are run by runbooks.test.ts):
 *  - every name in monitors/runbooks.ts RUNBOOKS has docs/runbooks/<name>.md, and every runbook file has a name;
 *  - every fenced block says whether it runs (sql, sh, bash) or not (text): an unlabelled block would
 *    silently escape the test that runs them;
 *  - every runbook names the alerts that link to it and at least one dashboard by its title, and every alert
 *    definition (monitors/alerts/definitions.ts) is named, by title and id, in the runbook its message links.
 */
const dir = path.resolve(__dirname, '../../docs/runbooks');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md').sort();
const names = Object.values(RUNBOOKS) as string[];

test('every runbook name that alerts link to has its file, and every runbook file has a name', () => {
  expect(files.map((f) => f.replace(/\.md$/, ''))).toEqual([...names].sort());
});

test.each(fs.readdirSync(dir).filter((f) => f.endsWith('.md')))('%s labels every fenced block as run or not run', (file) => {
  const blocks = fencedBlocks(fs.readFileSync(path.join(dir, file), 'utf8'));
  const unlabelled = blocks.filter((b) => !RUN_LANGUAGES.has(b.lang) && !SKIP_LANGUAGES.has(b.lang)).map((b) => `line ${b.line}: \`\`\`${b.lang}`);
  expect(unlabelled).toEqual([]);
});

const titles = DASHBOARDS.map((d) => d.title as string);
test.each(files)('%s names the alerts that link to it and a dashboard', (file) => {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  expect(text).toMatch(/\*\*Alerts? that links? here\*\*:/);
  expect(titles.filter((t) => text.includes(`*${t}*`))).not.toEqual([]);
});

test.each(ALERTS.map((a) => [a.id, a] as const))('alert %s is named in the runbook it links to', (_id, alert) => {
  const text = fs.readFileSync(path.join(dir, `${alert.runbook}.md`), 'utf8').replace(/\s+/g, ' ');
  expect({ runbook: alert.runbook, title: text.includes(`*${alert.title}*`), id: text.includes(`\`${alert.id}\``) }).toEqual({ runbook: alert.runbook, title: true, id: true });
});

// On-call compares what a runbook query prints with the alert's number: a depth must be the alerts' and the
// SLO's (lib/store/sloSignals.ts: due, unprocessed rows), not every unprocessed row (waits for tomorrow's cap
// reset included), which reads as a backlog that is not there.
test.each(files)('%s: a query that reports the retry queue depth counts due rows, as the alerts do', (file) => {
  const blocks = fencedBlocks(fs.readFileSync(path.join(dir, file), 'utf8')).filter((b) => b.lang === 'sql');
  const statements = blocks.flatMap((b) => b.code.split(';')).filter((q) => /\bAS\s+(retry_queue_depth|due|depth)\b/i.test(q));
  const wrong = statements.filter((q) => !/next_retry_at\s*<=\s*now\(\)/i.test(q)).map((q) => q.trim().replace(/\s+/g, ' '));
  expect(wrong).toEqual([]);
});

test('the block parser sees indented blocks and ignores fences quoted inside a line', () => {
  const md = 'Blocks (```sql, ```sh) run.\n\n1. Step:\n\n   ```sh\n   echo one\n     echo two\n   ```\n\n```text\nnot run\n```\n';
  expect(fencedBlocks(md)).toEqual([
    { lang: 'sh', code: 'echo one\n  echo two\n', line: 5 },
    { lang: 'text', code: 'not run\n', line: 10 },
  ]);
});
