const DECIMAL_DIGIT = /\p{Nd}/u;
const DECIMAL_DIGITS = /\p{Nd}/gu;

/**
 * The value 0-9 of a Unicode decimal digit (General_Category Nd). Unicode encodes every set of decimal
 * digits as a contiguous run 0…9, and runs that touch (the five mathematical digit sets, U+1D7CE-1D7FF)
 * each start at a 0, so the value is the distance from the start of the run, modulo 10.
 */
function digitValue(digit: string): number {
  const code = digit.codePointAt(0)!;
  let start = code;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return (code - start) % 10;
}

/**
 * Every decimal digit of any script as its ASCII digit: Arabic-Indic ٤١٥ and Devanagari ४१५ are 415, as
 * are full-width ４１５. A phone number typed on an Arabic or Persian keyboard is the same number, and
 * one number must make one dedupe key (lib/identity.ts) whichever digits it was typed in.
 */
export function asciiDigits(s: string): string {
  return s.replace(DECIMAL_DIGITS, (d) => (d >= '0' && d <= '9' ? d : String(digitValue(d))));
}
