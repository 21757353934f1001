// The Docker call gate: slots in order (urgent calls first), no deadline while pings are answered,
// DockerUnavailableError once pings go unanswered past the bound. The daemon is a pair of functions:
// a busy daemon cannot be made on demand (the burst tests in test/integration/docker do it for real).
import { describe, expect, it } from 'vitest';
import { createDockerGate, type DockerGateOptions } from '../../../server/adapters/docker/call-gate.js';
import { createSystemClock } from '../../../server/core/clock.js';
import { DockerUnavailableError } from '../../../server/core/errors.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const never = () => new Promise<never>(() => {});
const options: DockerGateOptions = { concurrency: 2, pingIntervalMs: 20, pingTimeoutMs: 50, unreachableAfterMs: 200 };
const gateWith = (ping: () => Promise<unknown>, o: Partial<DockerGateOptions> = {}) => createDockerGate({ ping, clock: createSystemClock() }, { ...options, ...o });

describe('Docker call gate', () => {
  it('a call slower than the bound is waited for while Docker answers pings', async () => {
    let pings = 0;
    const gate = gateWith(async () => pings++);
    await expect(gate.call('container create', () => sleep(600).then(() => 'done'))).resolves.toBe('done');
    expect(pings).toBeGreaterThan(5);
  });

  it('a call fails as unreachable once pings have gone unanswered past the bound, naming the call', async () => {
    const gate = gateWith(never);
    const t0 = Date.now();
    const err = await gate.call('container start', never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerUnavailableError);
    expect(String((err as Error).cause)).toMatch(/did not answer container start nor a ping within 200 ms/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(Date.now() - t0).toBeLessThan(1000);
    // Known unreachable: the next call is refused after one more ping, not after the bound again.
    const t1 = Date.now();
    await expect(gate.call('container inspect', () => Promise.resolve(1))).rejects.toBeInstanceOf(DockerUnavailableError);
    expect(Date.now() - t1).toBeLessThan(150);
  });

  it('a pause shorter than the bound fails nothing', async () => {
    let paused = true;
    const gate = gateWith(() => (paused ? never() : Promise.resolve()), { unreachableAfterMs: 400 });
    setTimeout(() => (paused = false), 250);
    await expect(gate.call('container stop', () => sleep(500).then(() => 'stopped'))).resolves.toBe('stopped');
  });

  it('holds at most `concurrency` calls in flight; urgent calls go before waiting ones; waiters hear how many are ahead', async () => {
    const gate = gateWith(() => Promise.resolve());
    let inFlight = 0;
    let most = 0;
    const order: string[] = [];
    const work = (name: string) => async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(30);
      order.push(name);
      inFlight--;
    };
    const ahead: Record<string, number> = {};
    const calls = ['c1', 'c2', 'c3', 'c4'].map((n) => gate.slot('container create', work(n), { onWait: (a) => (ahead[n] = a) }));
    calls.push(gate.slot('container start', work('s1'), { urgent: true, onWait: (a) => (ahead.s1 = a) }));
    await Promise.all(calls);
    expect(most).toBe(2);
    expect(order.slice(2)).toEqual(['s1', 'c3', 'c4']);
    expect(ahead).toEqual({ c3: 2, c4: 3, s1: 2 });
  });

  it('concurrent pings share one request', async () => {
    let pings = 0;
    const gate = gateWith(async () => {
      pings++;
      await sleep(20);
    });
    await Promise.all([gate.ping(), gate.ping(), gate.ping()]);
    expect(pings).toBe(1);
  });
});
