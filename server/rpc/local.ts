// The in-process caller the web app uses: the same token check, the same dispatch and handlers as a
// socket, without a network; notifications go straight to its on() handlers.
import {
  createNotificationHub,
  ErrorCode,
  RpcError,
  type CjmApi,
  type ErrorCodeValue,
  type MethodName,
  type ParamsOf,
  type ResultOf,
} from '../protocol/index.js';
import type { AuthService } from '../core/api.js';
import type { Dispatcher } from './dispatch.js';
import type { Session, SessionTransport } from './session.js';

export type LocalApi = CjmApi & { close(): void };

export interface LocalDeps {
  dispatcher: Dispatcher;
  auth: AuthService;
  newSession(transport: SessionTransport): Session;
}

/** An empty token gives an unauthenticated connection (it may call auth.login), like a socket without
 * a header; a wrong one is refused with 4001, like the 401 on a socket's upgrade. */
export async function connectLocal({ dispatcher, auth, newSession }: LocalDeps, token: string): Promise<LocalApi> {
  const identity = token === '' ? null : await auth.authenticate(token);
  if (token !== '' && !identity) throw new RpcError(ErrorCode.Unauthenticated, 'Not authenticated: unknown or revoked token');

  // A consumer's handler throwing must not break delivery to the others or the service.
  const hub = createNotificationHub();
  const transport: SessionTransport = {
    notify: (name, params) => hub.emit(name, params),
    writable: () => true,
    close: () => session.dispose(),
  };
  const session = newSession(transport);
  session.identity = identity;
  session.token = identity ? token : null;
  let nextId = 0;

  return {
    async call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
      if (session.closed) throw new RpcError(ErrorCode.InternalError, 'not connected');
      const { reply, afterReply } = await dispatcher.request(session, { jsonrpc: '2.0', id: ++nextId, method, params });
      // Let the caller see the result (and learn a subscription id) before its notifications flow.
      if (afterReply.length) setImmediate(() => afterReply.forEach((hook) => hook()));
      if (!reply || Array.isArray(reply)) throw new RpcError(ErrorCode.InternalError);
      if (reply.error) throw new RpcError(reply.error.code as ErrorCodeValue, reply.error.message, reply.error.data);
      return reply.result as ResultOf<M>;
    },
    on: hub.on,
    close() {
      session.dispose();
      hub.clear();
    },
  };
}
