/**
 * What the request-body boundary (api/plugins/jsonBody.ts: UTF-8 check, lossless-json parse, sanitiser)
 * costs per lead body, side by side with a bare JSON.parse in the same run (ratios; absolute times on
 * these machines move 20-50 % between runs).   npx tsx scripts/bench/jsonBody.ts
 */
import { parse } from 'lossless-json';
import { parseJsonBody } from '../../api/plugins/jsonBody';
const body = Buffer.from(JSON.stringify({ externalId: 'ext-123456', email: 'jane.doe@outlook.com', phone: '+1 415 734 0132', firstName: 'Jane', lastName: 'Doe', state: 'TX', postalCode: '73301', product: 'mortgage', attributes: { loanAmount: 250000, creditScore: 720, homeowner: true, note: 'call after 5pm' } }));
const req = { headers: { 'content-type': 'application/json' } } as never;
function time(name: string, fn: () => unknown, n = 200_000) {
  for (let i = 0; i < 20_000; i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const us = Number(process.hrtime.bigint() - t) / 1000 / n;
  console.log(`${name}: ${us.toFixed(2)} us/body`);
  return us;
}
const a = time('JSON.parse(buffer.toString())', () => JSON.parse(body.toString()));
const b = time('lossless-json parse', () => parse(body.toString()));
const c = time('parseJsonBody (decode + lossless + sanitise)', () => parseJsonBody(req, body));
console.log(`ratios: lossless/JSON.parse ${(b / a).toFixed(1)}x, full boundary/JSON.parse ${(c / a).toFixed(1)}x; body ${body.length} bytes`);
