import fs from 'node:fs';
import path from 'node:path';
import { envSetting } from './config/parsers';

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
 * Whether the tz database on this machine has `zone` spelt exactly so: the file Go's time.LoadLocation (Temporal's
 * schedules) and most tz readers open, on a case-sensitive file system. undefined when the machine has no tz
 * database (a slim container): Go then uses the copy compiled into the binary, which has the same names.
 * `zone` has passed the name pattern (no `.`), so it cannot leave the directory.
 */
function inTzDatabase(zone: string): boolean | undefined {
  const dir = envSetting(process.env, 'ZONEINFO') ?? '/usr/share/zoneinfo';
  try {
    if (!fs.statSync(dir).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  try {
    return fs.statSync(path.join(dir, zone)).isFile();
  } catch {
    return false;
  }
}

/**
 * Why `zone` is not a usable time zone name, or undefined when it is: an IANA name (`America/New_York`,
 * `Asia/Kolkata`, `Etc/UTC`, `Etc/GMT+5`, `UTC`, or a backward-compatible alias such as `US/Eastern`) spelt
 * exactly as the tz database spells it. Refused:
 *  - offsets such as `+05:30`, although Intl accepts them: Postgres's AT TIME ZONE reads them as POSIX
 *    (UTC−5:30, the other way) and Temporal's schedules (Go's time.LoadLocation) not at all;
 *  - another case (`america/new_york`): Intl and Postgres accept it, but Go's time.LoadLocation is
 *    case-sensitive, so the worker's maintenance schedules failed with "unknown time zone".
 * Aliases are accepted: Intl (ICU) resolves `Asia/Kolkata` to its older `Asia/Calcutta` and `Europe/Kyiv` to
 * `Europe/Kiev`, so "Intl's canonical name" would refuse the names the tz database now prefers; Go and Postgres know
 * both. The exact spelling is checked against the machine's tz database, or without one, against Intl's canonical
 * name (a name that differs from it only in case is refused; another alias passes).
 */
export function zoneNameProblem(zone: string): string | undefined {
  const iana = 'must be an IANA time zone name such as America/New_York or UTC (not an offset such as +05:30)';
  if (!/^[A-Za-z][A-Za-z0-9_-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return iana;
  const canonical = intlZoneName(zone);
  if (canonical === undefined) return iana;
  if (canonical === zone) return undefined;
  const spelt = inTzDatabase(zone);
  if (spelt === true) return undefined;
  const sameLetters = canonical.toLowerCase() === zone.toLowerCase();
  if (spelt === undefined && !sameLetters) return undefined; // an alias, and nothing to check its spelling against
  return sameLetters
    ? `must be spelt exactly ${canonical} (time zone names are case-sensitive)`
    : `must be spelt exactly as the tz database spells it (time zone names are case-sensitive; this zone is also called ${canonical})`;
}

/** Whether `zone` is an IANA time zone name in its canonical spelling (see zoneNameProblem). */
export function isIanaZoneName(zone: string): boolean {
  return zoneNameProblem(zone) === undefined;
}
