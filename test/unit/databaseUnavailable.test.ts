import { isDatabaseUnavailable } from '../../lib/db/unavailable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test.each([
  ['connection refused', withCode('ECONNREFUSED')],
  ['both addresses refused (AggregateError)', Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), { code: 'ECONNREFUSED' })],
  ['AggregateError without its own code', new AggregateError([withCode('ECONNREFUSED')])],
  ['admin shutdown 57P01', withCode('57P01', 'terminating connection due to administrator command')],
  ['cannot connect now 57P03', withCode('57P03', 'the database system is starting up')],
  ['too many connections 53300', withCode('53300')],
  ['connection exception class 08 (08006)', withCode('08006')],
  ['pool acquire timeout', Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'KnexTimeoutError' })],
  ['dropped connection', new Error('Connection terminated unexpectedly')],
  ['wrapped in a cause', new Error('query failed', { cause: withCode('ECONNRESET') })],
])('%s -> unavailable', (_name, err) => {
  expect(isDatabaseUnavailable(err)).toBe(true);
});

test.each([
  ['unique violation 23505', withCode('23505')],
  ['syntax error 42601', withCode('42601')],
  ['lock timeout 55P03 (the database answered)', withCode('55P03')],
  ['a plain bug', new TypeError('x is undefined')],
  ['a code that merely starts with 08 but is not a SQLSTATE', withCode('08')],
  ['not an error', 'ECONNREFUSED'],
  ['null', null],
])('%s -> not unavailable', (_name, err) => {
  expect(isDatabaseUnavailable(err)).toBe(false);
});
