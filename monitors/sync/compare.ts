/**
 * What differs between an object as monitors/ defines it and the same object as Datadog returns it.
 *
 * Only the fields WE set are compared: Datadog adds its own (id, created, modified, creator, monitor option
 * defaults such as notify_audit, an id on every widget), and those must not count as changes, or every sync
 * would rewrite everything. So the comparison is "desired is contained in existing": every key of the desired
 * object must be present in the existing one with an equal value, recursively; arrays compare element by
 * element with equal lengths (widget order matters), except `tags`, compared as sets (order carries no meaning
 * and the API may return them sorted). A null we send (to clear a field) matches a field left out.
 */

export interface FieldChange {
  /** Dotted path of the field, e.g. `options.thresholds.critical` or `widgets[3].definition.title`. */
  path: string;
  /** Short renderings of the values (JSON, cut to 80 characters), for the dry-run diff. */
  from: string;
  to: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function show(v: unknown): string {
  const s = v === undefined ? '(absent)' : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Two long strings (a monitor message) usually differ far from their start (a runbook URL, a handle at the
 * end): cut both at the same place, a little before the first differing character, so the diff shows it.
 */
function showPair(existing: unknown, desired: unknown): { from: string; to: string } {
  if (typeof existing !== 'string' || typeof desired !== 'string') return { from: show(existing), to: show(desired) };
  const a = JSON.stringify(existing);
  const b = JSON.stringify(desired);
  if (a.length <= 80 && b.length <= 80) return { from: a, to: b };
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const start = Math.max(0, i - 20);
  const cut = (s: string) => {
    const part = s.slice(start, start + (start > 0 ? 74 : 77));
    return `${start > 0 ? '...' : ''}${part}${start + part.length < s.length ? '...' : ''}`;
  };
  return { from: cut(a), to: cut(b) };
}

/**
 * The fields of `desired` that `existing` lacks or holds with another value; [] when nothing we set changed.
 * A nested object or equal-length array is descended into, so a change is reported at its deepest path.
 */
export function changedFields(desired: unknown, existing: unknown, path = ''): FieldChange[] {
  const here = (): FieldChange[] => [{ path: path || '(whole object)', ...showPair(existing, desired) }];
  if (Array.isArray(desired)) {
    if (!Array.isArray(existing)) return here();
    if (path === 'tags' || path.endsWith('.tags')) {
      const a = [...desired].map(String).sort();
      const b = [...existing].map(String).sort();
      return a.length === b.length && a.every((x, i) => x === b[i]) ? [] : here();
    }
    if (desired.length !== existing.length) return here();
    return desired.flatMap((d, i) => changedFields(d, existing[i], `${path}[${i}]`));
  }
  if (isObj(desired)) {
    if (!isObj(existing)) return here();
    return Object.entries(desired)
      .filter(([, v]) => v !== undefined)
      .flatMap(([k, v]) => changedFields(v, existing[k], path ? `${path}.${k}` : k));
  }
  // We send null to clear a field; the API may then return null or leave it out.
  if (desired === null && existing === undefined) return [];
  return Object.is(desired, existing) || desired === existing ? [] : here();
}
