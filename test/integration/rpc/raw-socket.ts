// A bare WebSocket to /rpc that sends frames as given (bad ones included) and reads what comes back.
import { WebSocket } from 'ws';

export interface RawSocket {
  ws: WebSocket;
  /** Sends a frame and resolves with the next message (parsed JSON). */
  send(frame: string | Buffer, options?: { binary?: boolean }): Promise<unknown>;
  /** Sends a request object and resolves with its reply. */
  call(method: string, params?: unknown): Promise<{ id: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } }>;
  /** Every message received, parsed. */
  received: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function openRaw(url: string, token?: string): Promise<RawSocket> {
  const ws = new WebSocket(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const received: unknown[] = [];
  const waiters: ((m: unknown) => void)[] = [];
  ws.on('message', (data) => {
    const m: unknown = JSON.parse(String(data));
    received.push(m);
    waiters.shift()?.(m);
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  let id = 0;
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply within 10 s')), 10_000);
      waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  const send = (frame: string | Buffer, options: { binary?: boolean } = {}) => {
    const reply = next();
    ws.send(frame, { binary: options.binary ?? Buffer.isBuffer(frame) });
    return reply;
  };
  return {
    ws,
    send,
    call: async (method, params) => (await send(JSON.stringify({ jsonrpc: '2.0', id: ++id, method, ...(params === undefined ? {} : { params }) }))) as never,
    received,
    closed,
    close: () => ws.close(),
  };
}
