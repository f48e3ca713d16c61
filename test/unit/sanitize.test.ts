import { parse } from 'lossless-json';
import { MAX_DEPTH, sanitizeJson } from '../../lib/input/sanitize';

/** lib/input/sanitize.ts on bodies parsed as the API parses them (lossless-json keeps number text). */
const run = (text: string) => sanitizeJson(parse(text));
const fields = (text: string) => {
  const r = run(text);
  return r.ok ? [] : r.problems.map((p) => p.field);
};

describe('numbers are kept only when a double holds them exactly', () => {
  test.each([
    ['0', 0], ['-0', -0], ['0.1', 0.1], ['1.50', 1.5], ['2.5e-3', 0.0025], ['9007199254740991', 9007199254740991], ['3.141592653589793', Math.PI],
  ])('%s is accepted as %p', (text, value) => {
    expect(run(`{"n":${text}}`)).toEqual({ ok: true, value: { n: value } });
  });
  test.each(['1e999', '-1e999', '1e-400', '4.9e-324', '9007199254740993', '12345678901234567890', '1e21', '1.00000000000000000001'])('%s is refused, naming the field', (text) => {
    expect(fields(`{"attributes":{"creditScore":${text}}}`)).toEqual(['attributes.creditScore']);
  });
});

describe('text', () => {
  test('NUL and lone surrogates in values and keys are refused with their paths (a key: the object holding it, the key quoted); NFC is applied', () => {
    expect(fields('{"a":["ok","x\\u0000"],"b":{"\\ud800":1},"c":"\\udc00"}')).toEqual(['a[1]', 'b', 'c']);
    const keyProblem = sanitizeJson(JSON.parse('{"b":{"\\ud800":1}}'));
    expect(keyProblem).toMatchObject({ ok: false, problems: [{ field: 'b', message: 'key "\\ud800" contains an unpaired UTF-16 surrogate, which is not valid Unicode text' }] });
    expect(run('{"Mu\\u0308ller":"Mu\\u0308ller"}')).toEqual({ ok: true, value: { Müller: 'Müller' } });
    expect(run('{"emoji":"\\ud83d\\ude00"}')).toEqual({ ok: true, value: { emoji: '😀' } });
  });
});

describe('shape', () => {
  test(`nesting deeper than ${MAX_DEPTH} is refused once, at the first level too deep`, () => {
    const deep = `${'['.repeat(MAX_DEPTH + 5)}${']'.repeat(MAX_DEPTH + 5)}`;
    const r = run(deep);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toHaveLength(1);
    expect(run(`${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`).ok).toBe(true);
  });
  test('__proto__ and constructor.prototype keys are reported as forbidden keys, not copied', () => {
    const r = run('{"a":{"__proto__":{"x":1}},"constructor":{"prototype":{}}}');
    expect(r).toMatchObject({ ok: false, forbiddenKeys: ['a.__proto__', 'constructor'] });
    expect(run('{"constructor":"fine","toString":1}')).toEqual({ ok: true, value: { constructor: 'fine', toString: 1 } });
  });
});
