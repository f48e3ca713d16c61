import { devPorts } from '../../scripts/local/devPorts';

describe('make dev reads its port variables, naming a bad one before anything starts', () => {
  test('unset or empty: the defaults', () => {
    expect(devPorts({ PORT: '', DEV_PG_PORT: ' ' })).toEqual({ PORT: 3000, DEV_PG_PORT: 55432, DEV_TEMPORAL_PORT: 7233, DEV_TEMPORAL_UI_PORT: 8233 });
  });
  test('valid values are used', () => {
    expect(devPorts({ PORT: '3100', DEV_PG_PORT: '5433', DEV_TEMPORAL_PORT: '7300', DEV_TEMPORAL_UI_PORT: '65535' })).toEqual({ PORT: 3100, DEV_PG_PORT: 5433, DEV_TEMPORAL_PORT: 7300, DEV_TEMPORAL_UI_PORT: 65535 });
  });
  test.each<[Record<string, string>, RegExp]>([
    [{ DEV_PG_PORT: 'abc' }, /DEV_PG_PORT: must be a port number 1-65535, got "abc"/], // was: "Received type number (NaN)"
    [{ PORT: '0' }, /PORT: must be a port number 1-65535 \(0, "any free port", is not supported by make dev/], // was: 60 s wait
    [{ DEV_TEMPORAL_PORT: '65536' }, /DEV_TEMPORAL_PORT: must be a port number/],
    [{ DEV_TEMPORAL_UI_PORT: '-1' }, /DEV_TEMPORAL_UI_PORT: must be a port number/],
    [{ PORT: '3e3' }, /PORT: must be a port number/],
  ])('%j is refused naming the variable', (env, message) => {
    expect(() => devPorts(env)).toThrow(message);
  });
  test('every bad variable is named at once', () => {
    expect(() => devPorts({ PORT: 'x', DEV_PG_PORT: 'y' })).toThrow(/PORT: .*\n {2}DEV_PG_PORT: /);
  });
});
