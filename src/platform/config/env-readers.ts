import type { EnvProblem } from './environment';

/**
 * A non-negative whole number from the environment, within [min, max]; the fallback when
 * unset or blank, and a problem (naming the variable) when invalid. Shared by the contexts'
 * own configuration readers.
 */
export function readWholeNumber<F extends number | undefined>(
  raw: Record<string, string | undefined>,
  name: string,
  fallback: F,
  min: number,
  max: number,
  problems: EnvProblem[],
): number | F {
  const value = raw[name]?.trim();
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) {
    problems.push({ variable: name, message: `must be a whole number, got "${value}"` });
    return fallback;
  }
  const n = Number(value);
  if (n < min || n > max) {
    problems.push({ variable: name, message: `must be between ${min} and ${max}, got ${n}` });
    return fallback;
  }
  return n;
}
