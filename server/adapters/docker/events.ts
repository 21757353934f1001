// Docker's event stream for managed containers, reconnecting with backoff when it ends (dockerd
// restarts end it). On reconnect it asks Docker for events since shortly before the newest one seen,
// so a short drop loses nothing that dockerd still remembers; `resync` tells core to reconcile the
// rest. Docker does not send events in timeNano order (two containers dying together can come
// newest first), so an older event is never taken for a replay by its time alone: replays are told
// apart by the events remembered.
import type { Clock, Logger, RuntimeEvent, RuntimeEventStream } from '../../core/ports.js';
import { managedFilters } from './container-config.js';
import { withTimeout } from './errors.js';
import { createLineSplitter, mapDockerEvent, type DockerEvent } from './event-map.js';

/** The slice of dockerode used here, so a test can hand in a stream that ends on demand. */
export interface EventSource {
  getEvents(options: { filters: Record<string, string[]>; since?: string }): Promise<NodeJS.ReadableStream>;
}

export interface EventWatchOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  connectTimeoutMs?: number;
  /** Only containers with this cjm.instance label. */
  instance?: string;
}

type Destroyable = NodeJS.ReadableStream & { destroy?: () => void };

/** How far before the newest event seen a reconnect asks from: events sent out of order within it are
 * not lost. */
const reorderSlackNanos = 2_000_000_000n;
/** Events remembered to drop their replays: far more than a few seconds of events. */
const rememberedEvents = 8192;

export function watchEvents(
  docker: EventSource,
  handler: (event: RuntimeEvent) => void,
  deps: { logger: Logger; clock: Clock },
  options: EventWatchOptions = {},
): RuntimeEventStream {
  const initial = options.initialBackoffMs ?? 500;
  const max = options.maxBackoffMs ?? 5000;
  let backoff = initial;
  let closed = false;
  let current: Destroyable | null = null;
  let cancelTimer: (() => void) | null = null;
  // The newest event's time, and the events delivered lately (time/action/container).
  let lastNano: bigint | null = null;
  const seen = new Set<string>();

  const deliver = (line: string) => {
    const raw = JSON.parse(line) as DockerEvent;
    // timeNano has 19 digits, more than a JSON number keeps: take it from the text.
    const nanoText = /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
    const nano = nanoText !== undefined ? BigInt(nanoText) : raw.time !== undefined ? BigInt(raw.time) * 1_000_000_000n : null;
    if (nano !== null) {
      const key = `${nano}/${raw.Action ?? ''}/${raw.Actor?.ID ?? raw.id ?? ''}`;
      if (seen.has(key)) return; // replayed after reconnect
      seen.add(key);
      // A Set iterates in insertion order: the first is the oldest remembered.
      if (seen.size > rememberedEvents) seen.delete(seen.values().next().value!);
      if (lastNano === null || nano > lastNano) lastNano = nano;
    }
    const event = mapDockerEvent(raw);
    if (event) safeHandle(event);
  };

  const safeHandle = (event: RuntimeEvent) => {
    try {
      handler(event);
    } catch (err) {
      deps.logger.error({ err, event }, 'runtime event handler threw');
    }
  };

  const scheduleReconnect = (why: unknown) => {
    if (closed || cancelTimer) return;
    deps.logger.warn({ err: why, retryMs: backoff }, 'docker event stream lost; reconnecting');
    const wait = backoff;
    backoff = Math.min(backoff * 2, max);
    cancelTimer = deps.clock.setTimer(wait, () => {
      cancelTimer = null;
      connect().catch(scheduleReconnect);
    });
  };

  const connect = async () => {
    if (closed) return;
    let stream: Destroyable;
    try {
      const from = lastNano === null ? null : lastNano > reorderSlackNanos ? lastNano - reorderSlackNanos : 0n;
      const since = from === null ? undefined : `${from / 1_000_000_000n}.${String(from % 1_000_000_000n).padStart(9, '0')}`;
      stream = (await withTimeout('the event stream', options.connectTimeoutMs ?? 10_000, docker.getEvents({
        filters: { type: ['container'], label: managedFilters(options.instance) },
        ...(since ? { since } : {}),
      }))) as Destroyable;
    } catch (err) {
      scheduleReconnect(err);
      return;
    }
    if (closed) {
      stream.destroy?.();
      return;
    }
    current = stream;
    backoff = initial;
    const split = createLineSplitter((line) => {
      try {
        deliver(line);
      } catch (err) {
        deps.logger.warn({ err }, 'unparseable docker event');
      }
    });
    let ended = false;
    const end = (why: unknown) => {
      if (ended) return;
      ended = true;
      if (current === stream) current = null;
      stream.destroy?.();
      scheduleReconnect(why);
    };
    stream.on('data', split);
    stream.on('end', () => end(new Error('event stream ended')));
    stream.on('close', () => end(new Error('event stream closed')));
    stream.on('error', (err: unknown) => end(err));
    // After listening: whatever happened before now is for core's reconcile.
    safeHandle({ type: 'resync' });
  };

  connect().catch(scheduleReconnect);
  return {
    close() {
      closed = true;
      cancelTimer?.();
      cancelTimer = null;
      current?.destroy?.();
      current = null;
    },
  };
}
