/** Why a new stream is refused. */
export type StreamRefusal = 'per_user' | 'per_ip' | 'total' | 'draining';

/** Who opens a stream: a user (null for public feeds) from an address. */
export interface StreamOwner {
  userId: string | null;
  ip: string;
}

/**
 * The open-stream counts of one instance and the caps on them (framework-free): per user, per
 * address, in all. `admit` counts a stream in (or says why not); `release` counts it out.
 */
export class StreamLimits {
  private readonly byUser = new Map<string, number>();
  private readonly byIp = new Map<string, number>();
  private total = 0;
  private draining = false;

  constructor(private readonly caps: { maxPerUser: number; maxPerIp: number; maxTotal: number }) {}

  get open(): number {
    return this.total;
  }

  /** From now on every new stream is refused (the instance drains). */
  drain(): void {
    this.draining = true;
  }

  admit(owner: StreamOwner): StreamRefusal | null {
    if (this.draining) return 'draining';
    if (this.total >= this.caps.maxTotal) return 'total';
    if (owner.userId !== null && (this.byUser.get(owner.userId) ?? 0) >= this.caps.maxPerUser) return 'per_user';
    if ((this.byIp.get(owner.ip) ?? 0) >= this.caps.maxPerIp) return 'per_ip';
    this.total += 1;
    if (owner.userId !== null) bump(this.byUser, owner.userId, 1);
    bump(this.byIp, owner.ip, 1);
    return null;
  }

  release(owner: StreamOwner): void {
    this.total = Math.max(0, this.total - 1);
    if (owner.userId !== null) bump(this.byUser, owner.userId, -1);
    bump(this.byIp, owner.ip, -1);
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

/** One Server-Sent Events frame (`id`, `event`, one `data:` line per line of the JSON). */
export function sseFrame(event: string, data: unknown, id?: string | number): string {
  const lines = JSON.stringify(data).split('\n');
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\n${lines.map((l) => `data: ${l}`).join('\n')}\n\n`;
}
