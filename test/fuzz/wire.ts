// A raw WebSocket to the server for the fuzz suites: send any frame, then collect what comes back up
// to the answer of a marker system.ping, so every reply is attributed to the frame that caused it.
import { WebSocket } from 'ws';

export interface Wire {
  /** Sends frame, then a marker ping; resolves with every message received until the ping's answer
   * and an answer for each of expectIds have arrived (the server runs requests concurrently, so a
   * slow call is answered after the quick marker). Messages are parsed JSON, or {unparseable} when
   * not JSON. Rejects if the connection closes or the answers do not come within timeoutMs. */
  exchange(frame: string | Buffer, expect?: { ids?: unknown[]; batchReply?: boolean }, timeoutMs?: number): Promise<unknown[]>;
  closed(): boolean;
  close(): void;
}

export async function openWire(url: string, token?: string): Promise<Wire> {
  const ws = new WebSocket(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let inbox: unknown[] = [];
  let waiter: { marker: string; markerSeen: boolean; expect: Set<unknown>; batchReply: boolean; resolve: (v: unknown[]) => void; reject: (e: Error) => void } | null = null;
  let closeInfo: string | null = null;
  let seq = 0;

  ws.on('message', (data, isBinary) => {
    const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      msg = { unparseable: text };
    }
    const w = waiter;
    if (w && msg && typeof msg === 'object' && !Array.isArray(msg) && (msg as { id?: unknown }).id === w.marker) w.markerSeen = true;
    else {
      inbox.push(msg);
      if (w && Array.isArray(msg)) w.batchReply = false;
      for (const m of Array.isArray(msg) ? msg : [msg]) if (m && typeof m === 'object') w?.expect.delete((m as { id?: unknown }).id);
    }
    if (w && w.markerSeen && w.expect.size === 0 && !w.batchReply) {
      waiter = null;
      const got = inbox;
      inbox = [];
      w.resolve(got);
    }
  });
  ws.on('close', (code, reason) => {
    closeInfo = `${code} ${reason.toString()}`;
    waiter?.reject(new Error(`connection closed: ${closeInfo}`));
    waiter = null;
  });
  ws.on('error', () => undefined);

  return {
    exchange(frame, expect = {}, timeoutMs = 10_000) {
      if (closeInfo) return Promise.reject(new Error(`connection closed: ${closeInfo}`));
      const marker = `marker-${++seq}-${Math.random().toString(36).slice(2)}`;
      return new Promise<unknown[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          const missing = waiter ? [...waiter.expect] : [];
          waiter = null;
          reject(new Error(`no answer within ${timeoutMs} ms (marker or ids ${JSON.stringify(missing)}); got ${JSON.stringify(inbox).slice(0, 500)}`));
        }, timeoutMs);
        waiter = {
          marker,
          markerSeen: false,
          expect: new Set(expect.ids ?? []),
          batchReply: expect.batchReply ?? false,
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        ws.send(frame);
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: marker, method: 'system.ping', params: {} }));
      });
    },
    closed: () => closeInfo !== null,
    close: () => ws.close(),
  };
}

/** What is wrong with one JSON-RPC response object, or null when it is a valid one. Notifications
 * (method, no id) are valid too. */
export function responseProblem(m: unknown): string | null {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return `not an object: ${JSON.stringify(m)}`;
  const r = m as Record<string, unknown>;
  if ('unparseable' in r) return `not JSON: ${String(r.unparseable).slice(0, 200)}`;
  if (r.jsonrpc !== '2.0') return `jsonrpc is ${JSON.stringify(r.jsonrpc)}`;
  if (typeof r.method === 'string' && !('id' in r)) return null;
  if (!('id' in r)) return 'no id';
  if (!(r.id === null || typeof r.id === 'string' || typeof r.id === 'number')) return `bad id ${JSON.stringify(r.id)}`;
  const hasResult = 'result' in r;
  const hasError = 'error' in r;
  if (hasResult === hasError) return 'needs exactly one of result and error';
  if (hasError) {
    const e = r.error as Record<string, unknown> | null;
    if (!e || typeof e !== 'object') return 'error is not an object';
    if (!Number.isInteger(e.code)) return `error.code ${JSON.stringify(e.code)}`;
    if (typeof e.message !== 'string') return 'error.message is not a string';
    if (e.code === -32603) return `-32603 ${e.message}`;
  }
  return null;
}

/** How many inputs a property runs: the CI default, or CJM_FUZZ_RUNS for a longer hunt. */
export function fuzzRuns(ciDefault: number): number {
  const n = Number(process.env.CJM_FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}
