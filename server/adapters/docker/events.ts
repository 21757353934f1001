// Docker's event stream for managed containers, reconnecting with backoff when it ends (dockerd
// restarts end it). On reconnect it asks Docker for events since the last one seen, so a short
// drop loses nothing that dockerd still remembers; `resync` tells core to reconcile the rest.
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
  // Position in Docker's stream: events at or before it were delivered.
  let lastNano: bigint | null = null;
  const seenAtLast = new Set<string>();

  const deliver = (line: string) => {
    const raw = JSON.parse(line) as DockerEvent;
    // timeNano has 19 digits, more than a JSON number keeps: take it from the text.
    const nanoText = /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
    const nano = nanoText !== undefined ? BigInt(nanoText) : raw.time !== undefined ? BigInt(raw.time) * 1_000_000_000n : null;
    const key = `${raw.Action ?? ''}/${raw.Actor?.ID ?? raw.id ?? ''}`;
    if (nano !== null && lastNano !== null) {
      if (nano < lastNano || (nano === lastNano && seenAtLast.has(key))) return; // replayed after reconnect
    }
    if (nano !== null) {
      if (lastNano === null || nano > lastNano) {
        lastNano = nano;
        seenAtLast.clear();
      }
      seenAtLast.add(key);
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
      const since = lastNano === null ? undefined : `${lastNano / 1_000_000_000n}.${String(lastNano % 1_000_000_000n).padStart(9, '0')}`;
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
