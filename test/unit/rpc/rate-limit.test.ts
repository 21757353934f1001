import { describe, expect, it } from 'vitest';
import { createRateLimiter, rateLimitMessage } from '../../../server/rpc/rate-limit.js';

describe('createRateLimiter', () => {
  it('allows the burst at once, then refuses', () => {
    const l = createRateLimiter({ perSecond: 10, burst: 5 }, 0);
    expect(Array.from({ length: 6 }, () => l.take(0))).toEqual([true, true, true, true, true, false]);
  });

  it('refills at perSecond, never above the burst', () => {
    const l = createRateLimiter({ perSecond: 10, burst: 5 }, 0);
    for (let i = 0; i < 5; i++) l.take(0);
    expect(l.take(50)).toBe(false); // half a token
    expect(l.take(100)).toBe(true); // 0.5 + 0.5
    expect(l.take(100)).toBe(false);
    // A long pause refills to the burst only.
    const after = Array.from({ length: 7 }, () => l.take(60_000));
    expect(after.filter(Boolean)).toHaveLength(5);
  });

  it('sustains perSecond over time', () => {
    const l = createRateLimiter({ perSecond: 50, burst: 100 }, 0);
    let ok = 0;
    for (let t = 0; t < 10_000; t++) if (l.take(t)) ok++; // 1000 req/s offered for 10 s
    expect(ok).toBeGreaterThanOrEqual(100 + 50 * 10 - 1);
    expect(ok).toBeLessThanOrEqual(100 + 50 * 10 + 1);
  });

  it('perSecond 0 is off', () => {
    const l = createRateLimiter({ perSecond: 0, burst: 1 }, 0);
    expect(Array.from({ length: 1000 }, () => l.take(0)).every(Boolean)).toBe(true);
  });

  it('a clock going backwards does not mint tokens', () => {
    const l = createRateLimiter({ perSecond: 10, burst: 1 }, 1000);
    expect(l.take(1000)).toBe(true);
    expect(l.take(0)).toBe(false);
  });

  it('says what the limit is', () => {
    expect(rateLimitMessage({ perSecond: 50, burst: 100 })).toMatch(/50 requests per second \(burst 100\)/);
  });
});
