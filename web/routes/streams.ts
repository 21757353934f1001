import type { SSEStreamingApi } from 'hono/streaming';
import type { Web, WebSession } from '../context.js';
import type { LocalApi } from '../types.js';

// Each event stream gets its own connection, so its subscriptions end exactly when it does
// (closing the connection is the cleanup), and one session holds only a few of them.

export function tooManyStreams(web: Web, s: WebSession): boolean {
  return s.streams >= web.options.maxStreamsPerSession;
}

/** Runs body with a fresh connection until the browser goes away, the session ends or body returns;
 * keeps the stream alive through proxies with comment lines. */
export async function runStream(
  web: Web,
  s: WebSession,
  stream: SSEStreamingApi,
  body: (api: LocalApi, until: Promise<void>) => Promise<void>,
): Promise<void> {
  s.streams++;
  let api: LocalApi | null = null;
  let stop = () => {};
  const until = new Promise<void>((resolve) => (stop = resolve));
  stream.onAbort(stop);
  const beat = setInterval(() => {
    if (!web.sessions.isLive(s.id)) stop();
    else void stream.write(': keep-alive\n\n');
  }, web.options.heartbeatMs);
  try {
    api = await web.deps.connect(s.token);
    await Promise.race([body(api, until), until]);
  } catch (e) {
    web.deps.logger.warn({ err: e }, 'web: event stream ended with an error');
    if (!stream.aborted) await stream.writeSSE({ event: 'failed', data: 'the server ended this stream' });
  } finally {
    stop();
    clearInterval(beat);
    s.streams--;
    try {
      api?.close();
    } catch {
      /* already closed */
    }
  }
}

/** A wake-up signal for a loop that waits for new items or the end of its stream. */
export function createSignal(until: Promise<void>): { wait(): Promise<void>; wake(): void } {
  let resolve: (() => void) | null = null;
  return {
    wait: () => Promise.race([new Promise<void>((r) => (resolve = r)), until]),
    wake() {
      const r = resolve;
      resolve = null;
      r?.();
    },
  };
}
