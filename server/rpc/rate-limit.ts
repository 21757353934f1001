// A token bucket per connection: `burst` requests at once, refilled at `perSecond`. Pure (time is
// passed in) so it is tested without waiting.

export interface RateLimitOptions {
  /** Sustained requests per second; 0 turns the limit off. */
  perSecond: number;
  burst: number;
}

export interface RateLimiter {
  /** Takes one token; false when the bucket is empty. */
  take(nowMs: number): boolean;
}

export function createRateLimiter({ perSecond, burst }: RateLimitOptions, startMs: number): RateLimiter {
  if (perSecond <= 0) return { take: () => true };
  let tokens = burst;
  let last = startMs;
  return {
    take(nowMs) {
      const elapsed = Math.max(0, nowMs - last);
      last = nowMs;
      tokens = Math.min(burst, tokens + (elapsed * perSecond) / 1000);
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

export function rateLimitMessage({ perSecond, burst }: RateLimitOptions): string {
  return `Quota exceeded: over ${perSecond} requests per second (burst ${burst}) on this connection; slow down`;
}
