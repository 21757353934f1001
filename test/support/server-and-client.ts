// The setup most socket-level test files share: one test server and one client of it (the admin's
// by default), started in beforeAll and closed, client first, in afterAll.
import { afterAll, beforeAll } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

export interface ServerAndClient<C> {
  /** Usable from the tests and later hooks of the file; reading one before beforeAll ran throws. */
  readonly server: TestServer;
  readonly api: C;
}

/** The server's options, or a function giving them once earlier beforeAll hooks ran (a swarm started
 * first, say). */
type ServerOptions = TestServerOptions | (() => TestServerOptions);

export function withServerAndClient(options?: { server?: ServerOptions }): ServerAndClient<CjmClient>;
export function withServerAndClient<C extends { close(): void }>(options: {
  server?: ServerOptions;
  /** Another kind of client (a raw socket, say) instead of the admin's CjmClient. */
  connect: (server: TestServer) => Promise<C>;
}): ServerAndClient<C>;
export function withServerAndClient(
  options: { server?: ServerOptions; connect?: (server: TestServer) => Promise<{ close(): void }> } = {},
): ServerAndClient<{ close(): void }> {
  const connect = options.connect ?? ((s: TestServer) => createClient(s.url, s.adminToken));
  let server: TestServer | undefined;
  let api: { close(): void } | undefined;
  beforeAll(async () => {
    server = await startTestServer(typeof options.server === 'function' ? options.server() : options.server);
    api = await connect(server);
  });
  afterAll(async () => {
    api?.close();
    await server?.close();
  });
  return { server: lateBound('server', () => server), api: lateBound('api', () => api) };
}

/** Stands in for an object that beforeAll makes, so that test files can name it at module level:
 * every property read goes to the real object (methods bound to it). */
function lateBound<T extends object>(name: string, current: () => T | undefined): T {
  const target = (): T => {
    const t = current();
    if (t === undefined) throw new Error(`${name} is not there yet: use it in tests or hooks, after beforeAll`);
    return t;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const t = target();
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
    has: (_, key) => Reflect.has(target(), key),
  });
}
