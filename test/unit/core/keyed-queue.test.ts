import { describe, expect, it } from 'vitest';
import { createKeyedQueue } from '../../../server/core/keyed-queue.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('keyed queue', () => {
  it('runs tasks of one key in call order, one at a time, even when earlier ones fail', async () => {
    const q = createKeyedQueue();
    const seen: string[] = [];
    const a = q.run(1, async () => { await tick(20); seen.push('a'); throw new Error('boom'); });
    const b = q.run(1, async () => { seen.push('b'); return 'b'; });
    await expect(a).rejects.toThrow('boom');
    await expect(b).resolves.toBe('b');
    expect(seen).toEqual(['a', 'b']);
  });
  it('runs different keys concurrently', async () => {
    const q = createKeyedQueue();
    const seen: number[] = [];
    await Promise.all([q.run(1, async () => { await tick(30); seen.push(1); }), q.run(2, async () => { seen.push(2); })]);
    expect(seen).toEqual([2, 1]);
    await q.idle();
  });
});
