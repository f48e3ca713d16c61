import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/local/freePort';

/**
 * `make dev` is the newcomer's first command: run its script (smoke mode routes 10 demo leads and stops)
 * twice on one data dir, on free ports, and check the second run reuses the first run's data.
 */
const root = path.resolve(__dirname, '../..');

async function runDevSmoke(dataDir: string): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DEV_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    DEV_PG_PORT: String(await freePort()),
    DEV_TEMPORAL_PORT: String(await freePort()),
    DEV_TEMPORAL_UI_PORT: String(await freePort()),
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.ADMIN_TOKEN;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/dev.ts'), '--smoke'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, output };
}

test('the dev stack starts from nothing, routes demo leads, stops, and a second run reuses its data', async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-router-dev-'));
  fs.chmodSync(parent, 0o711); // when run as root, Postgres runs as `postgres` and must pass through
  const dataDir = path.join(parent, 'data');
  try {
    const first = await runDevSmoke(dataDir);
    expect({ code: first.code, tail: first.code === 0 ? '' : first.output.slice(-3000) }).toEqual({ code: 0, tail: '' });
    expect(first.output).toMatch(/smoke: 10 leads routed/);
    expect(first.output).toMatch(/curl -s -X POST 'http:\/\/localhost:\d+\/api\/leads\/route\?wait=5000'/);
    const token = /Admin token {2}(\S+)/.exec(first.output)?.[1];
    const key = /Bearer (lr_live_\S+)'/.exec(first.output)?.[1];
    expect(token).toBeDefined();
    expect(key).toBeDefined();
    // The variables the runbooks' commands read, ready to paste.
    expect(first.output).toContain(`export API=http://localhost:`);
    expect(first.output).toMatch(new RegExp(`ADMIN_TOKEN=${token} DATABASE_URL=postgres://\\S+/lead_router TEMPORAL_ADDRESS=\\S+:\\d+`));

    const second = await runDevSmoke(dataDir);
    expect({ code: second.code, tail: second.code === 0 ? '' : second.output.slice(-3000) }).toEqual({ code: 0, tail: '' });
    // Same admin token and same demo source key: the data, and the seed, were reused.
    expect(second.output).toContain(`Admin token  ${token}`);
    expect(second.output).toContain(`Bearer ${key}'`);
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
}, 240_000);
