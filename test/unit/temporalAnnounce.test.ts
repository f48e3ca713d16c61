// announcesPort (scripts/local/temporal.ts): the Temporal CLI's "serving" line, whatever host form it prints; a start
// whose line it misses waits a 30 s fallback (the session 11 review: an IPv6 announce was missed).
import { announcesPort } from '../../scripts/local/temporal';

test.each([
  'Temporal Server:  localhost:7233', 'Temporal Server: 127.0.0.1:7233', 'Temporal Server: [::1]:7233', 'server is running at: [::]:7233',
])('%s is the announce of port 7233', (line) => {
  expect(announcesPort(7233).test(line)).toBe(true);
});

test.each(['Temporal Server: localhost:72330', 'Temporal Server: [::1]:7234', 'Temporal UI: localhost:7233 something'])('%s is not', (line) => {
  expect(announcesPort(7233).test(line)).toBe(false);
});
