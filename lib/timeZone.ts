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
  const dir = tzDatabaseDir();
  if (dir === undefined) return undefined;
  try {
    return fs.statSync(path.join(dir, zone)).isFile();
  } catch {
    return false;
  }
}

/** Where the machine's tz database is (ZONEINFO, as Go reads it), or undefined when it has none. */
function tzDatabaseDir(): string | undefined {
  const dir = envSetting(process.env, 'ZONEINFO') ?? '/usr/share/zoneinfo';
  try {
    return fs.statSync(dir).isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]*(\/[A-Za-z0-9_+-]+)*$/;

/** Every zone name the tz database on this machine has, spelt as its files are (its posix/ and right/ copies left out). */
function tzDatabaseNames(dir: string): string[] {
  try {
    return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
      .filter((entry) => entry.isFile() || entry.isSymbolicLink()) // Debian links the backward-compatible names
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
      .filter((name) => NAME.test(name) && !/^(posix|right)\//.test(name));
  } catch {
    return [];
  }
}

let spellings: Map<string, string> | undefined;

/**
 * The name a zone is spelt as, found whatever its case (`america/new_york` → `America/New_York`, `asia/kolkata` →
 * `Asia/Kolkata`), or undefined when no zone has those letters. Looked up among the tz database's names (the
 * spelling zoneNameProblem checks against), then Intl's; the list is read once, on the first miss.
 */
export function zoneSpelling(zone: string): string | undefined {
  if (!spellings) {
    const names = new Map<string, string>();
    const dir = tzDatabaseDir();
    for (const name of [...(dir ? tzDatabaseNames(dir) : []), ...Intl.supportedValuesOf('timeZone'), 'UTC']) {
      if (!names.has(name.toLowerCase()) && intlZoneName(name) !== undefined) names.set(name.toLowerCase(), name);
    }
    spellings = names;
  }
  return spellings.get(zone.toLowerCase());
}

/**
 * Why `zone` is not a usable time zone name, or undefined when it is: an IANA name (`America/New_York`,
 * `Asia/Kolkata`, `Etc/UTC`, `Etc/GMT+5`, `UTC`, or a backward-compatible alias such as `US/Eastern`) spelt
 * exactly as the tz database spells it. Refused:
 *  - offsets such as `+05:30`, although Intl accepts them: Postgres's AT TIME ZONE reads them as POSIX
 *    (UTC−5:30, the other way) and Temporal's schedules (Go's time.LoadLocation) not at all;
 *  - another case (`america/new_york`): Intl and Postgres accept it, but Go's time.LoadLocation is
 *    case-sensitive, so the worker's maintenance schedules failed with "unknown time zone";
 *  - whitespace at either end (`"America/New_York "`), which no reader forgives.
 * A name refused for its case or its spaces is told the spelling to send (zoneSpelling), not only the rule.
 * Aliases are accepted: Intl (ICU) resolves `Asia/Kolkata` to its older `Asia/Calcutta` and `Europe/Kyiv` to
 * `Europe/Kiev`, so "Intl's canonical name" would refuse the names the tz database now prefers; Go and Postgres know
 * both. The exact spelling is checked against the machine's tz database, or without one, against Intl's canonical
 * name (a name that differs from it only in case is refused; another alias passes).
 * Every setting and field that takes a time zone reads it here: MAINTENANCE_TIMEZONE (lib/config.ts) and a
 * workspace's `timezone` (api/routes/admin/workspaces.ts).
 */
export function zoneNameProblem(zone: string): string | undefined {
  const iana = 'must be an IANA time zone name such as America/New_York or UTC (not an offset such as +05:30)';
  const trimmed = zone.trim();
  if (trimmed !== zone) {
    if (trimmed !== '' && zoneNameProblem(trimmed) === undefined) return `has whitespace at its start or end: send "${trimmed}"`;
    const spelt = trimmed === '' ? undefined : zoneSpelling(trimmed);
    if (spelt !== undefined && zoneNameProblem(spelt) === undefined) return `has whitespace at its start or end: send "${spelt}" (time zone names are case-sensitive)`;
    return `has whitespace at its start or end, and ${iana}`;
  }
  const canonical = NAME.test(zone) ? intlZoneName(zone) : undefined;
  if (canonical === zone) return undefined;
  const spelt = canonical === undefined ? undefined : inTzDatabase(zone);
  if (spelt === true) return undefined;
  const suggestion = zoneSpelling(zone);
  if (suggestion !== undefined && suggestion !== zone && zoneNameProblem(suggestion) === undefined) return `must be spelt exactly ${suggestion} (time zone names are case-sensitive)`;
  if (canonical === undefined) return iana;
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
