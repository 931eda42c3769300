export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

/** Reads the parameters out of a PHC string such as `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`. */
export function parseArgon2Params(hash: string): (Argon2Params & { variant: string }) | undefined {
  const match = /^\$(argon2(?:id|i|d))\$(?:v=\d+\$)?([^$]+)\$/.exec(hash);
  if (!match) return undefined;
  const params = Object.fromEntries(
    match[2].split(',').map((pair) => {
      const [key, value] = pair.split('=');
      return [key, Number(value)];
    }),
  ) as Record<string, number>;
  if (!params.m || !params.t || !params.p) return undefined;
  return { variant: match[1], memoryKib: params.m, timeCost: params.t, parallelism: params.p };
}

/** A stored hash needs upgrading when it is not argon2id or any parameter is below the target. */
export function needsRehash(hash: string, target: Argon2Params): boolean {
  const current = parseArgon2Params(hash);
  if (!current || current.variant !== 'argon2id') return true;
  return current.memoryKib < target.memoryKib || current.timeCost < target.timeCost || current.parallelism < target.parallelism;
}
