// readField (lib/rules/evaluate.ts): how a rule reads a lead's field by dotted path, never through the prototype.
import { readField } from '../../lib/rules/evaluate';
import type { LeadFields } from '../../lib/rules/types';

describe('readField', () => {
  const lead: LeadFields = {
    state: 'CA',
    zero: 0,
    no: false,
    empty: '',
    nothing: null,
    attributes: { loanAmount: 250000, nested: { deep: 'yes' }, nil: null },
  };

  test.each<[string, unknown]>([
    ['state', 'CA'],
    ['zero', 0],
    ['no', false],
    ['empty', ''],
    ['nothing', null],
    ['attributes.loanAmount', 250000],
    ['attributes.nested.deep', 'yes'],
    ['attributes.nil', null],
  ])('reads %s', (field, expected) => {
    expect(readField(lead, field)).toBe(expected);
  });

  test('returns the nested object itself for a partial path', () => {
    expect(readField(lead, 'attributes.nested')).toEqual({ deep: 'yes' });
  });

  test.each([
    'missing',
    'attributes.missing',
    'attributes.missing.deeper',
    'missing.deeper',
    // stepping through a scalar or through null yields undefined, never a property of the primitive
    'state.length',
    'zero.toFixed',
    'nothing.anything',
    'attributes.nil.anything',
    'attributes.loanAmount.x',
    '',
    'attributes.',
  ])('%p is undefined', (field) => {
    expect(readField(lead, field)).toBeUndefined();
  });

  test.each([
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '__proto__.constructor',
    'constructor.name',
    'constructor.prototype',
    'attributes.__proto__',
    'attributes.constructor',
    'attributes.constructor.name',
    'attributes.nested.__proto__.constructor',
  ])('does not read through the prototype: %p is undefined', (field) => {
    expect(readField(lead, field)).toBeUndefined();
  });

  test('does not read inherited properties', () => {
    const inherited = Object.create({ state: 'NY' }) as LeadFields;
    expect(readField(inherited, 'state')).toBeUndefined();
    expect(readField({ a: Object.create({ b: 1 }) }, 'a.b')).toBeUndefined();
  });

  test('reads own properties even when they share a name with an Object.prototype member', () => {
    expect(readField({ constructor: 'own' }, 'constructor')).toBe('own');
    expect(readField({ a: { toString: 'own' } }, 'a.toString')).toBe('own');
  });

  test('works on a lead without a prototype', () => {
    const bare = Object.assign(Object.create(null) as LeadFields, { state: 'TX' });
    expect(readField(bare, 'state')).toBe('TX');
    expect(readField(bare, 'missing')).toBeUndefined();
  });
});
