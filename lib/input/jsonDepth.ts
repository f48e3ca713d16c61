/**
 * Where JSON text first nests deeper than `maxDepth` arrays and objects, found by one pass over the text
 * BEFORE it is parsed: a recursive parser given 30,000 `[` runs out of stack, and the body was then
 * answered "not valid JSON" when what is wrong with it is its depth (and the limit is what the caller
 * needs to hear). Returns the path of the first container too deep, named as lib/input/sanitize.ts names
 * fields (`attributes.x[0][0]`; '' for the root), or undefined when the text is within the limit.
 * The root value is depth 0, so `maxDepth` = 64 accepts 64 nested levels below it, as sanitizeJson does.
 * Text that is not valid JSON is read as far as it goes; the parser then says what is wrong with it.
 */
export function firstTooDeep(text: string, maxDepth: number): string | undefined {
  type Frame = { kind: 'object'; key: string; expectKey: boolean } | { kind: 'array'; index: number };
  const frames: Frame[] = [];
  const pathOf = () =>
    frames.reduce((path, f) => (f.kind === 'array' ? `${path}[${f.index}]` : path ? `${path}.${f.key}` : f.key), '');

  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = frames.at(-1);
      if (top?.kind === 'object' && top.expectKey) top.key = keyText(text.slice(i, end + 1));
      i = end;
    } else if (c === '{' || c === '[') {
      if (frames.length > maxDepth) return pathOf();
      frames.push(c === '{' ? { kind: 'object', key: '', expectKey: true } : { kind: 'array', index: 0 });
    } else if (c === '}' || c === ']') {
      frames.pop();
    } else if (c === ',') {
      const top = frames.at(-1);
      if (top?.kind === 'array') top.index += 1;
      else if (top) top.expectKey = true;
    } else if (c === ':') {
      const top = frames.at(-1);
      if (top?.kind === 'object') top.expectKey = false;
    }
  }
  return undefined;
}

/** A key's text as the parser will read it (escapes decoded, NFC as the sanitiser stores it). */
function keyText(literal: string): string {
  try {
    return (JSON.parse(literal) as string).normalize('NFC');
  } catch {
    return literal.slice(1, -1);
  }
}
