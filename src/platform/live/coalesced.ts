/**
 * Runs `task` one at a time, however often it is asked: a `kick` while a run is in flight
 * makes exactly one more run after it (the notifications that arrived meanwhile share it).
 * `onError` hears a failed run; the next kick runs again.
 */
export class Coalesced {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.again = false;
    this.running = this.task()
      .catch(this.onError)
      .finally(() => {
        this.running = null;
        if (this.again) this.kick();
      });
  }
}
