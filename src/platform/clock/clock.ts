import { Global, Injectable, Module } from '@nestjs/common';

/**
 * The current time, injected wherever a decision depends on it (lockout cooldowns, expiries)
 * so tests can move it with `jest.spyOn(app.get(Clock), 'now')` instead of waiting.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
