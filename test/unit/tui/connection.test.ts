import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../tui/connection.js';

describe('reconnect backoff', () => {
  it('doubles from 0.5 s and stops at 10 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
  it('takes its own options', () => {
    expect(backoffDelay(3, { initialMs: 100, factor: 3, maxMs: 1000 })).toBe(900);
  });
});
