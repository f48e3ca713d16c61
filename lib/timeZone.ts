/**
 * The canonical spelling of a time zone as Intl (ICU) knows it, or undefined when Intl does not know it at all.
 * Intl matches names case-insensitively and resolves aliases: `america/new_york` and `US/Eastern` both give
 * `America/New_York`.
 */
function intlZoneName(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Why `zone` is not a usable time zone name, or undefined when it is: an IANA name (`America/New_York`,
 * `Etc/GMT+5`, `UTC`) written exactly as its canonical spelling. Refused:
 *  - offsets such as `+05:30`, although Intl accepts them: Postgres's AT TIME ZONE reads them as POSIX
 *    (UTC−5:30, the other way) and Temporal's schedules (Go's time.LoadLocation) not at all;
 *  - another case (`america/new_york`): Intl and Postgres accept it, but Go's time.LoadLocation is
 *    case-sensitive, so the worker's maintenance schedules failed with "unknown time zone";
 *  - an alias (`US/Eastern`): the message names the canonical spelling to use instead.
 */
export function zoneNameProblem(zone: string): string | undefined {
  const iana = 'must be an IANA time zone name such as America/New_York or UTC (not an offset such as +05:30)';
  if (!/^[A-Za-z][A-Za-z0-9_-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return iana;
  const canonical = intlZoneName(zone);
  if (canonical === undefined) return iana;
  if (canonical === zone) return undefined;
  return canonical.toLowerCase() === zone.toLowerCase()
    ? `must be spelt exactly ${canonical} (time zone names are case-sensitive)`
    : `must be the canonical time zone name ${canonical} (not an alias of it)`;
}

/** Whether `zone` is an IANA time zone name in its canonical spelling (see zoneNameProblem). */
export function isIanaZoneName(zone: string): boolean {
  return zoneNameProblem(zone) === undefined;
}
