import { WebSocket } from 'ws';
import { JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse } from 'json-rpc-2.0';
import { RpcError, ErrorCode, type ErrorCodeValue } from './errors.js';
import { createNotificationHub } from './notification-hub.js';
import type { CjmApi, MethodName, ParamsOf, ResultOf } from './methods.js';

export interface ClientOptions {
  /** Per-call timeout; a call that gets no answer rejects with a -32603 RpcError. Default 30 s. */
  callTimeoutMs?: number;
  /** Connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
}

export interface CjmClient extends CjmApi {
  /** Resolves when the socket is closed, for whatever reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  onClose(handler: (info: { code: number; reason: string }) => void): () => void;
  close(): void;
}

/** Connect to a cjm server. The token goes in the upgrade's Authorization header; no auth.login
 * needed (call it anyway to learn who you are). Rejects if the connection is refused. */
export async function createClient(url: string, token: string | undefined, options: ClientOptions = {}): Promise<CjmClient> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const ws = new WebSocket(url, { headers, handshakeTimeout: options.connectTimeoutMs ?? 10_000, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`server refused the connection: HTTP ${res.statusCode}`)));
  });

  const hub = createNotificationHub();
  const closeHandlers = new Set<(info: { code: number; reason: string }) => void>();
  const rpc = new JSONRPCClient((payload: unknown) => {
    if (ws.readyState !== WebSocket.OPEN) throw new RpcError(ErrorCode.InternalError, 'not connected');
    ws.send(JSON.stringify(payload));
  });
  const timed = rpc.timeout(options.callTimeoutMs ?? 30_000);

  ws.on('message', (raw) => {
    let msg: unknown;
    try {
      msg = JSON.parse(raw.toString());
    } catch {
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (m && typeof m === 'object' && 'method' in m && !('id' in m)) {
        const { method, params } = m as { method: string; params: unknown };
        hub.emit(method, params);
      } else {
        rpc.receive(m as JSONRPCResponse);
      }
    }
  });

  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      const info = { code, reason: reason.toString() };
      rpc.rejectAllPendingRequests(`connection closed (${code})`);
      closeHandlers.forEach((h) => h(info));
      resolve(info);
    });
  });
  ws.on('error', () => {
    /* surfaced through 'close' */
  });

  return {
    async call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
      try {
        return (await timed.request(method, params as object)) as ResultOf<M>;
      } catch (e) {
        if (e instanceof JSONRPCErrorException) throw new RpcError(e.code as ErrorCodeValue, e.message, e.data);
        if (e instanceof RpcError) throw e;
        throw new RpcError(ErrorCode.InternalError, e instanceof Error ? e.message : String(e));
      }
    },
    on: hub.on,
    closed,
    onClose(handler) {
      closeHandlers.add(handler);
      return () => closeHandlers.delete(handler);
    },
    close() {
      ws.close(1000, 'client closing');
    },
  };
}
