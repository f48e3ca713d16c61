import fs from 'node:fs';
import { OPENAPI_FILE } from '../../scripts/openapi';
import { createWorkspace } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * Inputs Schemathesis found (scripts/fuzz/schemathesis.ts, `npm run fuzz`), each answered as it must be now.
 * Every request is the one the fuzzer sent, byte for byte where it matters; the comment says what the API
 * answered when it was found.
 */

const stack = useTestStack({ worker: false });
let sourceKey: string;
let sourceId: string;

beforeAll(async () => {
  const source = await createWorkspace(stack, { name: 'Fuzz Regressions Source', kind: 'source' });
  sourceKey = source.apiKey!;
  sourceId = source.id;
});

const leadCount = async () => Number((await stack.db('leads').count<{ count: string }[]>({ count: '*' }))[0]!.count);

function expectErrorShape(res: { statusCode: number; json(): unknown }, status: number | number[], code?: string) {
  expect([res.statusCode, ([] as number[]).concat(status).includes(res.statusCode)]).toEqual([res.statusCode, true]);
  const body = res.json() as { error: { code: string; message: string } };
  expect(body).toEqual({ error: expect.objectContaining({ code: code ?? expect.any(String), message: expect.any(String) }) });
  return body.error;
}

// Found on 5b94e48 (before the hostile-input work) by `npm run fuzz` (seed 7 and a random seed, the same
// shrunk input both times): 500 internal_error, Postgres "unsupported Unicode escape sequence" (22P05) when
// the payload went into jsonb. A known fault (NUL bytes); now refused by the JSON body sanitiser.
const NUL_LEAD =
  '{"lastName": "\\u0000", "firstName": "\\u00f4", "email": "jane@outlook.com", "externalId": "\\ud901\\udee7", ' +
  '"state": "\\ud9d4\\udd0b\\u00f05k\\u0081\\udb87\\uddc7\\udae1\\udcfep\\u008d\\u0012"}';

test('POST /api/leads/route with a NUL in lastName (Schemathesis 19cqTe) is a 400 naming the field (and the controls in state), and stores nothing', async () => {
  const before = await leadCount();
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/leads/route',
    headers: { authorization: `Bearer ${sourceKey}`, 'content-type': 'application/json' },
    payload: NUL_LEAD,
  });
  const error = expectErrorShape(res, 400, 'invalid_request');
  // One 400 lists every problem: the NUL in lastName, and the control characters in state (see below).
  expect((error as { details?: unknown }).details).toEqual([expect.objectContaining({ field: 'lastName' }), expect.objectContaining({ field: 'state' })]);
  expect(await leadCount()).toBe(before);

  // Without the NUL, the C0/C1 controls in state (U+0081, U+008D, U+0012) are refused naming state (session 8:
  // no control characters inside free-text lead fields); without them too, the lead is stored: the surrogate
  // pairs in externalId and state are text.
  const send = (payload: string) =>
    stack.app.inject({ method: 'POST', url: '/api/leads/route', headers: { authorization: `Bearer ${sourceKey}`, 'content-type': 'application/json' }, payload });
  const withoutNul = NUL_LEAD.replace('"\\u0000"', '"O\'Brien"');
  const controls = await send(withoutNul);
  expect((expectErrorShape(controls, 400, 'invalid_request') as { details?: unknown }).details).toEqual([expect.objectContaining({ field: 'state' })]);
  const fixed = await send(withoutNul.replace(/\\u0081|\\u008d|\\u0012/g, ''));
  expect(fixed.statusCode).toBe(202);
  expect(fixed.json().leadId).toEqual(expect.any(String));
});

test('the same NUL inside a simulated lead is a 400 naming lead.lastName, not a 500', async () => {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/admin/rules/simulate',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    payload: `{"sourceWorkspaceId": "${sourceId}", "lead": ${NUL_LEAD}}`,
  });
  const error = expectErrorShape(res, 400, 'invalid_request');
  expect((error as { details?: Array<{ field: string }> }).details?.map((d) => d.field)).toContain('lead.lastName');
});

// Found by `npm run fuzz -- --checks all` (check unsupported_method, ST204) on the current code: a method the
// document does not list for a path is answered 404 not_found, where RFC 9110 asks for 405 with an Allow
// header. Reported, not changed here; pinned so it stays a 4xx in the error shape and never becomes a 5xx.
test.each([
  ['TRACE', '/api/leads/route'],
  ['OPTIONS', '/api/admin/rules'],
  ['PUT', '/health'],
  ['DELETE', '/api/admin/leads'],
])('an undeclared method (%s %s) is a 404/405 in the error shape', async (method, url) => {
  const res = await stack.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${stack.adminToken}` } });
  expectErrorShape(res, [404, 405]);
});

// Same run: `QUERY /api/leads/{id}` without a Content-Type was 400 "Method 'QUERY' must provide a
// 'Content-Type' header." (Fastify treats QUERY as a method with a body). Not a documented operation.
test('QUERY on a documented path without a Content-Type is a 4xx in the error shape', async () => {
  const res = await stack.app.inject({ method: 'QUERY' as 'GET', url: '/api/leads/0b4f6a0e-3c1d-4e8f-9a2b-5d6c7e8f9a0b', headers: { authorization: `Bearer ${sourceKey}` } });
  expectErrorShape(res, [400, 404, 405, 415]);
});

// Found by the same exploratory run (check positive_data_acceptance, ST202): `{"externalId": "0"}` is valid
// by the document's lead schema but answered 400 "email or phone is required". Fixed in the document
// (api/plugins/openapi.ts states the rule as anyOf); the API's answer is unchanged.
test('a lead with neither email nor phone: the document says so, and the API answers 400 naming both', async () => {
  const doc = JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8'));
  const anyOf = [{ required: ['email'] }, { required: ['phone'] }];
  expect(doc.paths['/api/leads/route'].post.requestBody.content['application/json'].schema.anyOf).toEqual(anyOf);
  expect(doc.paths['/api/admin/rules/simulate'].post.requestBody.content['application/json'].schema.properties.lead.anyOf).toEqual(anyOf);

  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/leads/route',
    headers: { authorization: `Bearer ${sourceKey}`, 'content-type': 'application/json' },
    payload: '{"externalId": "0"}',
  });
  const error = expectErrorShape(res, 400, 'invalid_request');
  expect((error as { details?: Array<{ field: string }> }).details?.map((d) => d.field).sort()).toEqual(['email', 'phone']);
});
