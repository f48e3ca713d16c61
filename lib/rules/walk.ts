/** A predicate of a condition tree as the write-time checks see it: an object that is not an all / any / not group. */
export type Leaf = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Calls `visit` for each predicate of a condition tree with its path (`conditions.all[0].not.any[1]`), depth first,
 * in definition order: the walk every write-time check of rule values shares (validate.ts, neverMatches.ts,
 * identityValues.ts, canonicalPatterns.ts). A group is `all` / `any` holding an array, or `not`; anything else that
 * is an object is a predicate (its shape is the checks' business); non-objects are skipped.
 */
export function forEachPredicate(input: unknown, path: string, visit: (leaf: Leaf, path: string) => void): void {
  const walk = (c: unknown, p: string): void => {
    if (!isObject(c)) return;
    if (Array.isArray(c.all)) return c.all.forEach((child, i) => walk(child, `${p}.all[${i}]`));
    if (Array.isArray(c.any)) return c.any.forEach((child, i) => walk(child, `${p}.any[${i}]`));
    if ('not' in c) return walk(c.not, `${p}.not`);
    visit(c, p);
  };
  walk(input, path);
}
