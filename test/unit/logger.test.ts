// PII never reaches a log line (lib/logger.ts): the real pino logger, built from loggerOptions, writes to an
// in-memory stream and we check the serialized output for the sensitive values themselves.
import { Writable } from 'node:stream';
import pino from 'pino';
import { loggerOptions } from '../../lib/logger';

const EMAIL = 'jane.canary@example.org';
const PHONE = '+14155550132';
const FIRST = 'Zebediah';
const LAST = 'Quuxworth';
const BEARER = 'Bearer lr_live_canaryCanaryCanary0123456789';
const PII = [EMAIL, PHONE, FIRST, LAST];

/** Logs through a fresh logger and returns the raw output. */
async function output(write: (log: pino.Logger) => void, level = 'info'): Promise<string> {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const log = pino(loggerOptions(level), stream);
  write(log);
  await new Promise((resolve) => setImmediate(resolve));
  return chunks.join('');
}

const lines = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

const person = () => ({ email: EMAIL, phone: PHONE, firstName: FIRST, lastName: LAST });

describe('logger redaction of lead PII', () => {
  test.each<[string, (log: pino.Logger) => void]>([
    ['top level', (log) => log.info(person(), 'lead received')],
    ['one level: { lead }', (log) => log.info({ lead: person() }, 'lead received')],
    ['two levels: { job: { lead } }', (log) => log.info({ job: { lead: person() } }, 'routing')],
    ['two levels: { req: { body } }', (log) => log.info({ req: { body: person() } }, 'request')],
    ['one level, inside an array: { leads: [..] }', (log) => log.info({ leads: [person(), person()] }, 'batch')],
    ['error level', (log) => log.error({ lead: person() }, 'delivery failed')],
    ['child logger bindings', (log) => log.child({ lead: person() }).info('in child')],
  ])('%s: no email/phone/name value is emitted', async (_name, write) => {
    const out = await output(write);
    expect(out).not.toBe('');
    for (const value of PII) expect(out).not.toContain(value);
    expect(out).toContain('[redacted]');
  });

  test('a delivery target logged by mistake shows neither signing secret', async () => {
    const target = { url: 'https://buyer.example/hook', secret: 'whsec-current-0123456789', previousSecret: 'whsec-previous-0123456789' };
    const out = await output((log) => log.info({ delivery: { target } }, 'delivering'));
    expect(out).not.toContain('whsec-');
    expect(lines(out)[0]?.delivery).toEqual({ target: { url: 'https://buyer.example/hook', secret: '[redacted]', previousSecret: '[redacted]' } });
  });

  test('each field is replaced by the censor, not dropped, and other fields survive', async () => {
    const [line] = lines(await output((log) => log.info({ lead: { ...person(), state: 'CA', id: 'lead-1' } }, 'routed')));
    expect(line?.lead).toEqual({
      email: '[redacted]',
      phone: '[redacted]',
      firstName: '[redacted]',
      lastName: '[redacted]',
      state: 'CA',
      id: 'lead-1',
    });
    expect(line?.msg).toBe('routed');
    expect(line?.level).toBe(30);
  });

  test('logging does not alter the object that was logged', async () => {
    const lead = person();
    await output((log) => log.info({ lead }, 'x'));
    expect(lead).toEqual(person());
  });

  test('the configured level filters lower levels', async () => {
    const out = await output((log) => {
      log.info({ n: 1 }, 'dropped');
      log.warn({ n: 2 }, 'kept');
    }, 'warn');
    expect(lines(out).map((l) => l.msg)).toEqual(['kept']);
  });
});

describe('logger redaction of credentials', () => {
  test.each<[string, (log: pino.Logger) => void]>([
    ['req.headers.authorization', (log) => log.info({ req: { headers: { authorization: BEARER, host: 'api' } } })],
    ['headers.authorization', (log) => log.info({ headers: { authorization: BEARER } })],
  ])('%s is redacted', async (_name, write) => {
    const out = await output(write);
    expect(out).not.toContain(BEARER);
    expect(out).not.toContain('canaryCanary');
  });

  test('other request headers are kept', async () => {
    const [line] = lines(await output((log) => log.info({ req: { headers: { authorization: BEARER, host: 'api.local' } } })));
    expect(line?.req).toEqual({ headers: { authorization: '[redacted]', host: 'api.local' } });
  });

  test.each<[string, (log: pino.Logger) => void, string]>([
    ['apiKey at top level', (log) => log.info({ apiKey: 'lr_live_secretKeyValue' }), 'secretKeyValue'],
    ['apiKey one level down', (log) => log.info({ source: { apiKey: 'lr_live_secretKeyValue' } }), 'secretKeyValue'],
    ['signingSecret at top level', (log) => log.info({ signingSecret: 'whsec_secretValue' }), 'secretValue'],
    ['signingSecret one level down', (log) => log.info({ partner: { signingSecret: 'whsec_secretValue' } }), 'secretValue'],
    ['adminToken at top level', (log) => log.info({ adminToken: 'admin-token-secret-value' }), 'admin-token-secret-value'],
  ])('%s is redacted', async (_name, write, secret) => {
    expect(await output(write)).not.toContain(secret);
  });
});

// Regression: authorization used to be redacted only at `req.headers.authorization` and `headers.authorization`.
describe('a bearer token is redacted under any shape', () => {
  test.each<[string, (log: pino.Logger) => void]>([
    ['top level { authorization }', (log) => log.info({ authorization: BEARER })],
    ['one level { upstream: { authorization } }', (log) => log.info({ upstream: { authorization: BEARER } })],
    ['two levels { request: { headers: { authorization } } }', (log) => log.info({ request: { headers: { authorization: BEARER } } })],
    ['two levels { delivery: { headers: { authorization } } }', (log) => log.info({ delivery: { headers: { authorization: BEARER } } })],
  ])('%s does not leak the bearer token', async (_name, write) => {
    expect(await output(write)).not.toContain(BEARER);
  });
});
