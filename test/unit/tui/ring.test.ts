import { describe, expect, it } from 'vitest';
import { createRing } from '../../../tui/ring.js';

describe('ring', () => {
  it('keeps the newest values, oldest first, never more than its capacity', () => {
    const ring = createRing<number>(3);
    expect(ring.values()).toEqual([]);
    ring.push(1);
    ring.push(2);
    expect(ring.values()).toEqual([1, 2]);
    for (let i = 3; i <= 10; i++) ring.push(i);
    expect(ring.values()).toEqual([8, 9, 10]);
    expect(ring.size).toBe(3);
    ring.push(11);
    expect(ring.values()).toEqual([9, 10, 11]);
  });

  it('a capacity of 1 holds the last value; a bad capacity is refused by name', () => {
    const ring = createRing<string>(1);
    ring.push('a');
    ring.push('b');
    expect(ring.values()).toEqual(['b']);
    expect(() => createRing(0)).toThrow(/ring capacity must be a positive integer, got 0/);
    expect(() => createRing(2.5)).toThrow(/capacity/);
  });
});
