import type { Clock } from '../../core/ports.js';

/** The wall clock, for when the composition root passes none. */
export function createSystemClock(): Clock {
  return {
    now: () => new Date(),
    setTimer(ms, fn) {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    },
  };
}
