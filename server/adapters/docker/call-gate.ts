// Every Docker call cjm makes goes through the gate. Launches, stops and removes take one of a bounded
// number of slots, so a burst of 1,000 never lands on the daemon at once, and starts of containers
// already created go before new creates. No call
// has a fixed deadline: a busy daemon is not a dead one. While calls are outstanding Docker is pinged,
// and they fail as unreachable only once pings have gone unanswered for unreachableAfterMs.
import { DockerUnavailableError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import { DockerTimeoutError, mapDockerError, withTimeout } from './errors.js';

export interface DockerGateDeps {
  /** Docker's /_ping. */
  ping(): Promise<unknown>;
  clock: Clock;
}

export interface DockerGateOptions {
  /** Calls holding a slot (create, start, stop, kill, remove) at once. */
  concurrency: number;
  /** How often Docker is pinged while calls are outstanding. */
  pingIntervalMs: number;
  /** A ping not answered within this is unanswered. */
  pingTimeoutMs: number;
  /** Pings unanswered this long (from the first unanswered one): Docker is unreachable. */
  unreachableAfterMs: number;
}

export interface SlotOptions {
  /** Goes before waiting non-urgent calls: a launch's start, stops and removes finish work under way
   * before new creates begin. */
  urgent?: boolean;
  /** Called when the call has to wait, with the number of calls ahead of it (in flight and queued). */
  onWait?: (ahead: number) => void;
}

export interface DockerGate {
  /** Runs the call; it fails with DockerUnavailableError only when Docker stops answering pings. */
  call<T>(what: string, work: () => Promise<T>): Promise<T>;
  /** As call, once a slot is free. */
  slot<T>(what: string, work: () => Promise<T>, options?: SlotOptions): Promise<T>;
  /** One ping, shared by concurrent callers; DockerUnavailableError when not answered in time. */
  ping(): Promise<void>;
}

interface Waiter {
  urgent: boolean;
  go: () => void;
}

export function createDockerGate(deps: DockerGateDeps, options: DockerGateOptions): DockerGate {
  const { clock } = deps;
  const now = () => clock.now().getTime();
  let unansweredSince: number | null = null;
  let pinging: Promise<void> | null = null;
  /** Each outstanding call's way to fail, by what it is. */
  const outstanding = new Map<(err: Error) => void, string>();
  let cancelTick: (() => void) | null = null;
  let active = 0;
  const waiting: Waiter[] = [];

  const unreachable = () => unansweredSince !== null && now() - unansweredSince >= options.unreachableAfterMs;

  function ping(): Promise<void> {
    pinging ??= (async () => {
      const sentAt = now();
      try {
        await withTimeout('ping', options.pingTimeoutMs, deps.ping());
        unansweredSince = null;
      } catch (err) {
        unansweredSince ??= sentAt;
        throw mapDockerError(err, (e) => new DockerUnavailableError(e));
      } finally {
        pinging = null;
      }
    })();
    return pinging;
  }

  // Pings only while something waits on Docker; an idle server sends nothing.
  function tick() {
    cancelTick = null;
    if (outstanding.size === 0) return;
    if (unreachable()) {
      for (const [fail, what] of outstanding) fail(new DockerUnavailableError(new DockerTimeoutError(`${what} nor a ping`, options.unreachableAfterMs)));
      outstanding.clear();
      return;
    }
    ping().catch(() => undefined);
    cancelTick = clock.setTimer(options.pingIntervalMs, tick);
  }

  async function call<T>(what: string, work: () => Promise<T>): Promise<T> {
    // Known unreachable: one fresh ping decides, rather than every queued call hanging for the bound.
    if (unreachable()) await ping();
    let fail!: (err: Error) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    outstanding.set(fail, what);
    cancelTick ??= clock.setTimer(options.pingIntervalMs, tick);
    try {
      const result = await Promise.race([work(), failed]);
      // An answer is as good as a ping.
      unansweredSince = null;
      return result;
    } finally {
      outstanding.delete(fail);
      if (outstanding.size === 0) {
        cancelTick?.();
        cancelTick = null;
      }
    }
  }

  async function acquire(slot: SlotOptions): Promise<void> {
    if (active < options.concurrency && waiting.length === 0) {
      active++;
      return;
    }
    await new Promise<void>((go) => {
      const firstNotUrgent = waiting.findIndex((w) => !w.urgent);
      const at = slot.urgent && firstNotUrgent !== -1 ? firstNotUrgent : waiting.length;
      waiting.splice(at, 0, { urgent: slot.urgent ?? false, go });
      slot.onWait?.(active + at);
    });
  }

  function release() {
    // The slot passes straight to the next waiter, so active counts it still.
    const next = waiting.shift();
    if (next) next.go();
    else active--;
  }

  return {
    call,
    async slot(what, work, slotOptions = {}) {
      await acquire(slotOptions);
      try {
        return await call(what, work);
      } finally {
        release();
      }
    },
    ping,
  };
}
