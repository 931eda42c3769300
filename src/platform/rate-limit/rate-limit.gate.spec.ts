import type { ExecutionContext } from '@nestjs/common';
import { RateLimitGate, type RateLimitGuard } from './rate-limit.guard';

const context = {} as ExecutionContext;

function gateOver(skips: boolean): { gate: RateLimitGate; throttle: jest.Mock } {
  const throttle = jest.fn(() => Promise.resolve(true));
  const guard = { skips: () => skips, throttle } as unknown as RateLimitGuard;
  return { gate: new RateLimitGate(guard), throttle };
}

describe('RateLimitGate', () => {
  it('lets a request the limits skip through synchronously, without counting it', () => {
    const { gate, throttle } = gateOver(true);
    expect(gate.canActivate(context)).toBe(true);
    expect(throttle).not.toHaveBeenCalled();
  });

  it('hands every other request to the guard’s tiers and answers with their verdict', async () => {
    const { gate, throttle } = gateOver(false);
    const verdict = gate.canActivate(context);
    expect(verdict).toBeInstanceOf(Promise);
    await expect(verdict).resolves.toBe(true);
    expect(throttle).toHaveBeenCalledWith(context);
  });
});
