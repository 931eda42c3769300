/** What the crash handlers need, so they can be tested with fakes. */
export interface CrashHandlerDeps {
  log(error: unknown, message: string): void;
  count(kind: 'unhandled_rejection' | 'uncaught_exception'): void;
  /** Graceful shutdown with this exit code. */
  shutdown(exitCode: number): void;
}

/**
 * Process-wide crash accounting. An unhandled promise rejection is logged with its error and
 * counted, and the process keeps serving: one request's forgotten promise must not take the
 * instance down. An uncaught exception is logged and counted too, but then the instance
 * drains and exits 1: after a synchronous throw escaped to the event loop its state can no
 * longer be trusted, and the orchestrator restarts it.
 */
export function installCrashHandlers(proc: Pick<NodeJS.Process, 'on'>, deps: CrashHandlerDeps): void {
  proc.on('unhandledRejection', (reason: unknown) => {
    deps.count('unhandled_rejection');
    deps.log(reason, 'Unhandled promise rejection (the process keeps serving)');
  });
  proc.on('uncaughtException', (error: Error) => {
    deps.count('uncaught_exception');
    deps.log(error, 'Uncaught exception: draining and exiting with code 1');
    deps.shutdown(1);
  });
}
