// The wall clock for every part of the server; timers never keep the process alive.
import type { Clock } from './ports.js';

export function createSystemClock(): Clock {
  return {
    now: () => new Date(),
    setTimer(ms, fn) {
      // setTimeout caps at 2^31-1 ms (~24.8 days); longer timeouts re-arm.
      const max = 2 ** 31 - 1;
      let handle: NodeJS.Timeout;
      const arm = (left: number) => {
        handle = setTimeout(() => (left > max ? arm(left - max) : fn()), Math.min(left, max));
        handle.unref();
      };
      arm(ms);
      return () => clearTimeout(handle);
    },
  };
}
