import { visit } from 'jsonc-parser';

/** A key given more than once in one JSON object: its path, and how many times it came. */
export interface DuplicateKey {
  /** Named as lib/input/sanitize.ts names fields: `email`, `attributes.x`, `conditions.all[0].field`. */
  path: string;
  times: number;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Every key given more than once in the same object of JSON `text`, at any depth, in the order first repeated.
 * Keys are compared as the body is stored: after NFC normalization (lib/input/sanitize.ts), so `"é"` and
 * `"e\u0301"` are one key given twice. The JSON parser cannot say this itself: lossless-json throws only when
 * the two values differ (`{"a":1,"a":1}` passes as `{"a":1}`), and its onDuplicateKey option is called only
 * then too; a key sent twice is ambiguous whatever its values (which copy another reader keeps differs), so
 * the reading here is jsonc-parser's visitor, which reports every property of every object.
 * `text` must already be valid JSON within the nesting limit (the visitor recurses): parse and check depth first.
 */
export function duplicateKeys(text: string): DuplicateKey[] {
  type Frame = { kind: 'object'; path: string; seen: Map<string, number> } | { kind: 'array'; path: string; index: number };
  const frames: Frame[] = [];
  const found = new Map<string, DuplicateKey>();
  let pending = ''; // the path the next value will have

  /** The path of a value about to start, and the array index moved on past it. */
  const nextValuePath = (): string => {
    const top = frames.at(-1);
    if (top?.kind !== 'array') return pending;
    return `${top.path}[${top.index++}]`;
  };

  visit(text, {
    onObjectBegin: () => void frames.push({ kind: 'object', path: nextValuePath(), seen: new Map() }),
    onArrayBegin: () => void frames.push({ kind: 'array', path: nextValuePath(), index: 0 }),
    onObjectEnd: () => void frames.pop(),
    onArrayEnd: () => void frames.pop(),
    onLiteralValue: () => void nextValuePath(),
    onObjectProperty: (property) => {
      const top = frames.at(-1);
      if (top?.kind !== 'object') return;
      const key = property.normalize('NFC');
      pending = join(top.path, key);
      const times = (top.seen.get(key) ?? 0) + 1;
      top.seen.set(key, times);
      if (times > 1) found.set(pending, { path: pending, times });
    },
  }, { disallowComments: true, allowTrailingComma: false });
  return [...found.values()];
}
