import type { TestApp } from './app';

/** Polls `check` every 25 ms until it holds (for what runs in the background: mail delivery, drains, timers). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Waits until the app's background work is done: the verification mail a registration queues is
 * delivered (and its delivery audited) outside the request, and must not land in a later count.
 */
export async function settled(app: TestApp): Promise<void> {
  await eventually(
    async () =>
      (await app.db.query(`SELECT 1 FROM notifications WHERE status = 'pending' UNION ALL SELECT 1 FROM audit_outbox LIMIT 1`))
        .length === 0,
  );
}
