/** Thrown when the pool is at capacity and its queue is full: the caller should shed load. */
export class PoolSaturatedError extends Error {
  constructor(readonly pool: string) {
    super(`${pool} is saturated`);
    this.name = 'PoolSaturatedError';
  }
}

/**
 * At most `concurrency` tasks run at once; up to `maxQueue` more wait in order; anything
 * beyond is refused at once with `PoolSaturatedError` instead of joining an ever-growing
 * queue. For CPU-heavy work (argon2) that must not starve the rest of the process.
 */
export class BoundedPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private admitted = 0;

  constructor(
    readonly name: string,
    readonly concurrency: number,
    readonly maxQueue: number,
  ) {
    if (concurrency < 1 || maxQueue < 0) throw new Error('BoundedPool needs concurrency ≥ 1 and maxQueue ≥ 0');
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Callers admitted (`admit`) and not yet released. */
  get admittedCallers(): number {
    return this.admitted;
  }

  /**
   * Admits a caller that will submit a task later, after other work (a login, whose body is still to
   * be read and whose throttle and account are still to be checked): the release function, or null
   * when it must be refused now. Admitted callers count against what the pool takes (`concurrency`
   * running + `maxQueue` waiting) from admission until they release, so a burst admitted at once
   * cannot outgrow the pool and meet its refusal only after doing that other work. Release when
   * the caller is done (idempotent).
   */
  admit(): (() => void) | null {
    if (this.saturated || this.admitted >= this.concurrency + this.maxQueue) return null;
    this.admitted += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.admitted -= 1;
    };
  }

  /** Whether a task submitted now would be refused: every slot busy and the queue full. */
  get saturated(): boolean {
    return this.active >= this.concurrency && this.waiting.length >= this.maxQueue;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.saturated) throw new PoolSaturatedError(this.name);
    if (this.active >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; `active` only drops when nobody waits.
      if (next) next();
      else this.active -= 1;
    }
  }
}
