import fs from 'node:fs';

/**
 * The last `lines` lines written to `file` from byte `from` on: what one start of a server logged, when its log
 * file is appended to across runs (the dev stack's). Empty when the file cannot be read.
 */
export function logSince(file: string, from: number, lines = 20): string {
  try {
    return fs.readFileSync(file).subarray(from).toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
