// The admission policy as a pure function, checked by properties over random queues: it never
// overcommits, it is fair between users, and it is work-conserving up to the documented backfill bound.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admit, fits, queueOrder, sum, type QueuedJob, type Reservation, type Resources } from '../../../server/core/admission.js';

const backfillWaitMs = 30_000;
const now = 1_000_000;

const owners = ['a', 'b', 'c', 'd'];
const resources = fc.record({
  cpus: fc.integer({ min: 1, max: 400 }).map((n) => n / 100),
  memoryMb: fc.integer({ min: 6, max: 4096 }),
});
const reservation = fc.record({ owner: fc.constantFrom(...owners), cpus: resources.map((r) => r.cpus), memoryMb: resources.map((r) => r.memoryMb) });
const capacity = fc.record({ cpus: fc.integer({ min: 1, max: 16 }), memoryMb: fc.integer({ min: 512, max: 16384 }) });
// Jobs with distinct ids, of a few users, each waited 0..60 s.
const queue = fc
  .array(fc.record({ owner: fc.constantFrom(...owners), res: resources, waitedMs: fc.integer({ min: 0, max: 60_000 }) }), { maxLength: 60 })
  .map((rows) => rows.map((r, i): QueuedJob => ({ id: i + 1, owner: r.owner, ...r.res, createdAt: now - r.waitedMs })));

function reservedWithin(cap: Resources) {
  // Running jobs that fit the capacity together (as admission keeps them).
  return fc.array(reservation, { maxLength: 8 }).map((rs) => {
    const kept: Reservation[] = [];
    for (const r of rs) if (fits(r, { cpus: cap.cpus - sum(kept).cpus, memoryMb: cap.memoryMb - sum(kept).memoryMb })) kept.push(r);
    return kept;
  });
}
const scenario = capacity.chain((cap) => fc.record({ capacity: fc.constant(cap), reserved: reservedWithin(cap), queued: queue }));

describe('admission', () => {
  it('never overcommits', () => {
    fc.assert(
      fc.property(scenario, ({ capacity, reserved, queued }) => {
        const { admit: started, allocated } = admit({ capacity, reserved, queued, now, backfillWaitMs });
        const total = sum([...reserved, ...started]);
        expect(total.cpus).toBeLessThanOrEqual(capacity.cpus + 1e-6);
        expect(total.memoryMb).toBeLessThanOrEqual(capacity.memoryMb);
        expect(allocated.cpus).toBeCloseTo(total.cpus, 6);
        expect(allocated.memoryMb).toBeCloseTo(total.memoryMb, 6);
      }),
    );
  });

  it('is work-conserving: a waiting job does not fit, or a job ahead of it has waited its backfill window', () => {
    fc.assert(
      fc.property(scenario, ({ capacity, reserved, queued }) => {
        const result = admit({ capacity, reserved, queued, now, backfillWaitMs });
        const used = sum([...reserved, ...result.admit]);
        const free = { cpus: capacity.cpus - used.cpus, memoryMb: capacity.memoryMb - used.memoryMb };
        const order = queueOrder(queued, reserved);
        for (const job of result.waiting) {
          if (!fits(job, free)) continue;
          // It fits, so it must be held back by an earlier waiting job past its window.
          const ahead = order.slice(0, order.indexOf(job));
          const holder = ahead.find((j) => result.waiting.includes(j) && now - j.createdAt >= backfillWaitMs);
          expect(holder, `job ${job.id} fits but waits`).toBeDefined();
        }
        // Every job is either started or waiting, once.
        expect([...result.admit, ...result.waiting].map((j) => j.id).sort((a, b) => a - b)).toEqual(queued.map((j) => j.id));
      }),
    );
  });

  it('bounds backfill: nothing starts past a job that has waited its window', () => {
    fc.assert(
      fc.property(scenario, ({ capacity, reserved, queued }) => {
        const { admit: started, waiting } = admit({ capacity, reserved, queued, now, backfillWaitMs });
        const order = queueOrder(queued, reserved);
        const starved = waiting.filter((j) => now - j.createdAt >= backfillWaitMs).map((j) => order.indexOf(j));
        if (starved.length === 0) return;
        const first = Math.min(...starved);
        for (const job of started) expect(order.indexOf(job)).toBeLessThan(first);
      }),
    );
  });

  it('is fair: ahead of a job are at most turn+1 jobs of another user, less what that user holds', () => {
    fc.assert(
      fc.property(fc.array(reservation, { maxLength: 8 }), queue, (reserved, queued) => {
        const order = queueOrder(queued, reserved);
        const holds = (owner: string) => reserved.filter((r) => r.owner === owner).length;
        order.forEach((job, position) => {
          // Its turn: what its user holds plus the user's jobs queued ahead of it.
          const turn = holds(job.owner) + queued.filter((j) => j.owner === job.owner && j.id < job.id).length;
          const ahead = order.slice(0, position);
          for (const other of new Set(ahead.map((j) => j.owner))) {
            if (other === job.owner) continue;
            expect(ahead.filter((j) => j.owner === other).length).toBeLessThanOrEqual(Math.max(0, turn + 1 - holds(other)));
          }
        });
        // Each user's own jobs stay first come, first served.
        for (const owner of new Set(queued.map((j) => j.owner))) {
          const ids = order.filter((j) => j.owner === owner).map((j) => j.id);
          expect(ids).toEqual([...ids].sort((a, b) => a - b));
        }
      }),
    );
  });

  it('one user`s 1,000 jobs do not starve another`s single job: it starts after at most one of theirs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 10_000 }), (slots, arrivesAfter, seed) => {
        // Equal jobs, capacity for `slots`; A's 1,000 are queued, B's one comes after A's k-th. Jobs finish
        // in a seeded random order, and every finish runs admission again.
        const capacity = { cpus: slots, memoryMb: 1024 * slots };
        let t = now;
        let nextId = 1;
        const queued: QueuedJob[] = [];
        for (let i = 0; i < 1000; i++) {
          queued.push({ id: nextId++, owner: 'a', cpus: 1, memoryMb: 1024, createdAt: t });
          if (i === arrivesAfter) queued.push({ id: nextId++, owner: 'b', cpus: 1, memoryMb: 1024, createdAt: t });
        }
        const bId = queued.find((j) => j.owner === 'b')!.id;
        const started: QueuedJob[] = [];
        const lastServed = new Map<string, number>([['a', 0]]);
        let rnd = seed;
        // Start from B's arrival: A's earlier jobs fill the slots first, as they would have.
        const before = queued.filter((j) => j.id < bId).slice(0, slots);
        const running = [...before];
        let waiting = queued.filter((j) => !before.includes(j));
        while (!started.some((j) => j.id === bId)) {
          const r = admit({ capacity, reserved: running, queued: waiting, lastServed, now: t, backfillWaitMs });
          for (const j of r.admit) lastServed.set(j.owner, t);
          started.push(...r.admit);
          running.push(...r.admit);
          waiting = r.waiting;
          rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
          running.splice(rnd % running.length, 1);
          t += 1000;
        }
        const aBeforeB = started.slice(0, started.findIndex((j) => j.id === bId)).length;
        expect(aBeforeB).toBeLessThanOrEqual(1);
      }),
      { numRuns: 50 },
    );
  });

  it('lets a small job past a large one that does not fit, until the large one has waited its window', () => {
    const capacity = { cpus: 2, memoryMb: 4096 };
    const reserved = [{ owner: 'b', cpus: 1, memoryMb: 512 }];
    const large = { id: 1, owner: 'a', cpus: 2, memoryMb: 512, createdAt: now - 1000 };
    const small = { id: 2, owner: 'a', cpus: 0.5, memoryMb: 512, createdAt: now - 1000 };
    expect(admit({ capacity, reserved, queued: [large, small], now, backfillWaitMs }).admit.map((j) => j.id)).toEqual([2]);
    const later = now - 1000 + backfillWaitMs;
    const held = admit({ capacity, reserved, queued: [large, small], now: later, backfillWaitMs });
    expect(held.admit).toEqual([]);
    expect(held.waiting.map((j) => j.id)).toEqual([1, 2]);
  });

  it('serves users in turns: A runs 2 of its 10, B submits 1: B goes next', () => {
    const jobs = [...Array.from({ length: 8 }, (_, i) => ({ id: i + 3, owner: 'a' })), { id: 11, owner: 'b' }].map((j) => ({ ...j, cpus: 0.5, memoryMb: 64, createdAt: now }));
    const running = [1, 2].map(() => ({ owner: 'a', cpus: 0.5, memoryMb: 64 }));
    expect(queueOrder(jobs, running).map((j) => j.id).slice(0, 3)).toEqual([11, 3, 4]);
    // Nothing running: A's first, then B's, then A's in turn; unless A was served last.
    expect(queueOrder(jobs).map((j) => j.id).slice(0, 3)).toEqual([3, 11, 4]);
    expect(queueOrder(jobs, [], new Map([['a', 5]])).map((j) => j.id).slice(0, 3)).toEqual([11, 3, 4]);
  });
});
