import { normalizeLeadInput } from '../../api/leadInput';

// api/leadInput.ts: what is trimmed before validation, and what must survive it.
describe('normalizeLeadInput', () => {
  test.each([
    ['spaces around an email', { email: '  jane@outlook.com ' }, { email: 'jane@outlook.com' }],
    ['zero-width spaces and a BOM around a name', { firstName: '\u200b\ufeffZoe\u200b' }, { firstName: 'Zoe' }],
    ['a bidi override at the end of a state', { state: 'TX\u202e' }, { state: 'TX' }],
    ['an empty optional field', { lastName: ' \u200b ' }, {}],
    ['a lower-case country', { country: ' gb' }, { country: 'GB' }],
    ['a non-ASCII "country" is left for validation to refuse', { country: 'ß' }, { country: 'ß' }],
    // Format characters that carry meaning stay (found by review): the England flag's tag characters,
    // and the Arabic number sign that precedes digits.
    ['an emoji tag sequence at the end', { product: 'team 🏴󠁧󠁢󠁥󠁮󠁧󠁿' }, { product: 'team 🏴󠁧󠁢󠁥󠁮󠁧󠁿' }],
    ['an Arabic number sign at the start of an attribute', { attributes: { amount: '\u0600١٢' } }, { attributes: { amount: '\u0600١٢' } }],
  ])('%s', (_name, input, expected) => {
    expect(normalizeLeadInput({ externalId: 'x', ...input })).toEqual({ externalId: 'x', ...expected });
  });

  test('externalId is never trimmed (surrounding whitespace is for validation to refuse)', () => {
    expect(normalizeLeadInput({ externalId: ' x ' })).toEqual({ externalId: ' x ' });
  });
});
