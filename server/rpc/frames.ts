// Pure frame handling: bytes in, requests (or the error each deserves) out; responses in, a reply
// frame out. json-rpc-2.0's own receive path drops or throws on `null`, `[]` and non-objects, and
// answers a one-entry batch with a bare object, so the transport uses these instead.
import { createJSONRPCErrorResponse, type JSONRPCErrorResponse, type JSONRPCID, type JSONRPCRequest, type JSONRPCResponse } from 'json-rpc-2.0';
import { ErrorCode, errorInfo } from '../protocol/index.js';

/** One element of a frame: a request to run, or the error response it gets without running. */
export type FrameItem = { request: JSONRPCRequest } | { reject: JSONRPCErrorResponse };

export type ParsedFrame =
  | { kind: 'single'; item: FrameItem }
  | { kind: 'batch'; items: FrameItem[] }
  /** The frame as a whole is unusable: answer this. */
  | { kind: 'error'; response: JSONRPCErrorResponse };

export const defaultMaxFrameBytes = 1024 * 1024;
/** Entries per batch. Without a cap a 1 MiB frame of `[1,1,1,...]` would earn a ~30 MB reply. */
export const maxBatchEntries = 256;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function errorResponse(id: JSONRPCID, code: number, message?: string, data?: unknown): JSONRPCErrorResponse {
  return createJSONRPCErrorResponse(id, code, message ?? errorInfo(code).message, data);
}

/** Parses one WebSocket frame (text, or binary holding UTF-8 text). */
export function parseFrame(data: string | Buffer, maxBytes: number = defaultMaxFrameBytes): ParsedFrame {
  const size = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
  if (size > maxBytes) {
    return { kind: 'error', response: errorResponse(null, ErrorCode.InvalidRequest, `Invalid request: frame of ${size} bytes is over the ${maxBytes}-byte limit`) };
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : utf8.decode(data));
  } catch {
    return { kind: 'error', response: errorResponse(null, ErrorCode.ParseError) };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: 'error', response: errorResponse(null, ErrorCode.InvalidRequest, 'Invalid request: empty batch') };
    if (value.length > maxBatchEntries) {
      return { kind: 'error', response: errorResponse(null, ErrorCode.InvalidRequest, `Invalid request: batch of ${value.length} entries; at most ${maxBatchEntries}`) };
    }
    return { kind: 'batch', items: value.map(checkRequest) };
  }
  return { kind: 'single', item: checkRequest(value) };
}

/** A JSON-RPC 2.0 request object, or the -32600 it gets (with its id when the id is usable). */
export function checkRequest(value: unknown): FrameItem {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { reject: errorResponse(null, ErrorCode.InvalidRequest, 'Invalid request: expected a request object') };
  }
  const v = value as Record<string, unknown>;
  const idOk = !('id' in v) || isId(v.id);
  const id = idOk && isId(v.id) ? v.id : null;
  const invalid = (why: string) => ({ reject: errorResponse(id, ErrorCode.InvalidRequest, `Invalid request: ${why}`) });
  if (v.jsonrpc !== '2.0') return invalid('jsonrpc must be "2.0"');
  if (typeof v.method !== 'string') return invalid('method must be a string');
  if (!idOk) return invalid('id must be a string, a number or null');
  if ('params' in v && (v.params === null || typeof v.params !== 'object')) return invalid('params must be an object');
  if ('result' in v || 'error' in v) return invalid('a request has no result or error');
  const request: JSONRPCRequest = { jsonrpc: '2.0', method: v.method, params: v.params };
  if ('id' in v) request.id = id;
  return { request };
}

function isId(id: unknown): id is JSONRPCID {
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) || id === null;
}

/** The reply to a batch: an array of every non-null response, or null (no frame) when all were
 * notifications. Never a bare object, even with one entry. */
export function batchReply(responses: readonly (JSONRPCResponse | null)[]): JSONRPCResponse[] | null {
  const out = responses.filter((r): r is JSONRPCResponse => r !== null);
  return out.length ? out : null;
}
