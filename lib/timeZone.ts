/**
 * An IANA time zone name (`America/New_York`, `Etc/GMT+5`, `UTC`) that Intl knows. Offsets such as `+05:30` are
 * refused although Intl accepts them: Postgres's AT TIME ZONE reads them as POSIX (UTC−5:30, the other way)
 * and Temporal's schedules (Go's time.LoadLocation) not at all.
 */
export function isIanaZoneName(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
