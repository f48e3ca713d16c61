/**
 * Command-line options of the bench scripts (`--name value`), read from process.argv. Errors name the option.
 */

/** The value after `--name`, or undefined when the option is absent; throws when it has no value. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

/** `--name` as a positive integer, `fallback` when absent; throws naming the option otherwise. */
export function positiveInt(name: string, fallback: number): number {
  const value = arg(name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}
