// Every error a handler throws becomes a JSON-RPC error response here. RpcErrors carry a code from
// the one table and a message safe to show; anything else is a fault of ours: the client gets the
// generic -32603 and the cause goes to the log, never to the wire.
import type { JSONRPCErrorResponse, JSONRPCID } from 'json-rpc-2.0';
import { ErrorCode, isRpcError } from '../protocol/index.js';
import type { Logger } from '../core/ports.js';
import { errorResponse } from './frames.js';

export function toErrorResponse(id: JSONRPCID, error: unknown): JSONRPCErrorResponse {
  if (isRpcError(error)) return errorResponse(id, error.code, error.message, error.data);
  return errorResponse(id, ErrorCode.InternalError);
}

/** Logs a thrown error at the level it deserves: our faults as errors with their cause, service
 * outages as warnings, client mistakes (4xxx, -326xx) not at all beyond debug. */
export function logRpcError(logger: Logger, method: string, error: unknown): void {
  if (!isRpcError(error)) {
    logger.error({ err: error, method }, 'rpc method failed');
  } else if (error.code >= 5000) {
    logger.warn({ err: error.cause ?? error, method, code: error.code }, error.message);
  } else {
    logger.debug({ method, code: error.code, message: error.message }, 'rpc error');
  }
}
