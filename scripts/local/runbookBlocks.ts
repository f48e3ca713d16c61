/**
 * The fenced blocks of a runbook (docs/runbooks/*.md), for the test that runs every command in them
 * (test/integration/runbooks.test.ts) and the one that checks each block is labelled.
 *
 * Languages: `sql` blocks are run against Postgres, `sh`/`bash` blocks by bash against the running system;
 * `text` marks a block that is deliberately not run (it deploys or destroys something, or only shows a
 * shape). Any other label, or none, is an error the index test reports.
 */
export const RUN_LANGUAGES: ReadonlySet<string> = new Set(['sql', 'sh', 'bash']);
export const SKIP_LANGUAGES: ReadonlySet<string> = new Set(['text']);

export interface FencedBlock {
  /** The info string's first word ('' when unlabelled). */
  lang: string;
  /** The block's lines with the fence's indentation removed, each ending in a newline. */
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/**
 * Every fenced block that opens at the start of a line (after optional indentation, as inside a list item)
 * and closes with a fence at the same indentation. Fences quoted inside a sentence are not blocks.
 */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const re = /^([ \t]*)```([\w-]*)[^\n]*\n([\s\S]*?)^\1```[ \t]*$/gm;
  for (const m of markdown.matchAll(re)) {
    const indent = m[1]!.length;
    const code = m[3]!.split('\n').map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n');
    blocks.push({ lang: m[2]!, code, line: markdown.slice(0, m.index).split('\n').length });
  }
  return blocks;
}
