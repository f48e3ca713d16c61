import { responseProblems } from '../support/responseSchemaGuard';

/** The guard every integration stack installs: it must see what fast-json-stringify would silently change. */
const shared = {
  Thing: { type: 'object', properties: { id: { type: 'string' }, note: { type: ['string', 'null'] } } },
};

test('a property the schema does not list is reported (it would be dropped)', () => {
  expect(responseProblems({ id: 'a', extra: 1 }, { $ref: 'Thing#' }, shared)).toEqual(['$.extra is not in the response schema: it would be dropped']);
});

test('nested objects and array items are checked through $ref', () => {
  const schema = { type: 'object', properties: { things: { type: 'array', items: { $ref: 'Thing#' } } } };
  expect(responseProblems({ things: [{ id: 'a' }, { id: 'b', secret: 's' }] }, schema, shared)).toEqual(['$.things[1].secret is not in the response schema: it would be dropped']);
});

test('null where the type does not allow it is reported (it would become "" or 0)', () => {
  const schema = { type: 'object', properties: { n: { type: 'integer' }, s: { type: ['string', 'null'] } } };
  expect(responseProblems({ n: null, s: null }, schema, shared)).toEqual(['$.n is null but its schema type is "integer" (would be serialized as "" / 0 / {})']);
});

test('open shapes pass: additionalProperties true, or no type at all', () => {
  expect(responseProblems({ kind: 'x', trace: { anything: [1] } }, { type: 'object', additionalProperties: true, properties: { kind: { type: 'string' } } }, shared)).toEqual([]);
  expect(responseProblems({ deep: { a: 1 } }, { type: 'object', properties: { deep: {} } }, shared)).toEqual([]);
  expect(responseProblems({ id: 'a', note: null, skipped: undefined }, { $ref: 'Thing#' }, shared)).toEqual([]);
});
