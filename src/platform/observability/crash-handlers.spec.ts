import { EventEmitter } from 'node:events';
import { installCrashHandlers } from './crash-handlers';

function setup() {
  const proc = new EventEmitter();
  const logged: [unknown, string][] = [];
  const counted: string[] = [];
  const shutdowns: number[] = [];
  installCrashHandlers(proc as unknown as NodeJS.Process, {
    log: (error, message) => logged.push([error, message]),
    count: (kind) => counted.push(kind),
    shutdown: (code) => shutdowns.push(code),
  });
  return { proc, logged, counted, shutdowns };
}

describe('crash handlers', () => {
  it('log and count an unhandled rejection and keep the process serving', () => {
    const { proc, logged, counted, shutdowns } = setup();
    const reason = new Error('forgotten promise');
    proc.emit('unhandledRejection', reason, Promise.resolve());
    proc.emit('unhandledRejection', 'a string reason', Promise.resolve());
    expect(counted).toEqual(['unhandled_rejection', 'unhandled_rejection']);
    expect(logged[0]).toEqual([reason, expect.stringContaining('keeps serving')]);
    expect(logged[1][0]).toBe('a string reason');
    expect(shutdowns).toEqual([]);
  });

  it('log and count an uncaught exception, then shut down gracefully with exit code 1', () => {
    const { proc, logged, counted, shutdowns } = setup();
    const error = new TypeError('boom');
    proc.emit('uncaughtException', error);
    expect(counted).toEqual(['uncaught_exception']);
    expect(logged).toEqual([[error, expect.stringContaining('exiting with code 1')]]);
    expect(shutdowns).toEqual([1]);
  });
});
