// rpc.discover's document read by other people's tools, against the live server: the OpenRPC
// validator, ajv in draft-07 mode (what OpenRPC 1.x embeds), and @open-rpc/test-coverage calling
// every method over a WebSocket with params it generates from the document alone.
import { parseOpenRPCDocument, validateOpenRPCDocument } from '@open-rpc/schema-utils-js';
import * as coverageModule from '@open-rpc/test-coverage';
import * as fakerRuleModule from '@open-rpc/test-coverage/build/rules/json-schema-faker-rule.js';
import type { Call } from '@open-rpc/test-coverage/build/coverage.js';
import type { MethodObject, OpenrpcDocument } from '@open-rpc/meta-schema';
import { Ajv } from 'ajv';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../../server/protocol/client.js';
import { errorTable, methodNames } from '../../../server/protocol/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { paramsSchemaOf as paramsSchema, type DocMethod as BaseMethod, type Schema } from '../../fuzz/from-schema.js';

// CommonJS modules with `exports.default`: TypeScript (NodeNext) sees one layer more than vitest gives.
const cjsDefault = <T>(m: { default: T } | T): T => (m as { default?: T }).default ?? (m as T);
const runCoverage = cjsDefault(coverageModule.default);
const JsonSchemaFakerRule = cjsDefault(fakerRuleModule.default);
type Rule = NonNullable<Parameters<typeof runCoverage>[0]['rules']>[number];

type DocMethod = BaseMethod & { paramStructure: string };
interface Doc { methods: DocMethod[]; components: { errors: Record<string, Schema>; schemas: Record<string, Schema> }; 'x-notifications': Record<string, Schema> }

let server: TestServer;
let api: CjmClient;
let doc: Doc;

beforeAll(async () => {
  server = await startTestServer();
  api = await createClient(server.url, server.adminToken);
  doc = (await api.call('rpc.discover', {})) as unknown as Doc;
}, 60_000);

afterAll(async () => {
  api?.close();
  await server?.close();
}, 60_000);

describe('the OpenRPC document', () => {
  it('is a valid OpenRPC document and parses (references resolved)', async () => {
    expect(validateOpenRPCDocument(doc as unknown as OpenrpcDocument)).toBe(true);
    await expect(parseOpenRPCDocument(doc as unknown as OpenrpcDocument)).resolves.toMatchObject({ openrpc: expect.stringMatching(/^1\./) });
    expect(doc.methods.map((m) => m.name)).toEqual(methodNames);
  });

  it('every schema compiles with ajv in draft-07 mode', () => {
    const ajv = new Ajv({ strict: false });
    const schemas: [string, Schema][] = [
      ...doc.methods.flatMap((m) => [
        ...m.params.map((p): [string, Schema] => [`${m.name} param ${p.name}`, p.schema]),
        [`${m.name} params object`, paramsSchema(m)] as [string, Schema],
        [`${m.name} result`, m.result.schema] as [string, Schema],
      ]),
      ...Object.entries(doc['x-notifications']).map(([n, s]): [string, Schema] => [`notification ${n}`, s]),
      ['InvalidParamsData', doc.components.schemas.InvalidParamsData!],
    ];
    const failed = schemas.filter(([, s]) => {
      try {
        ajv.compile(s);
        return false;
      } catch {
        return true;
      }
    });
    console.log(`ajv draft-07 compiled ${schemas.length - failed.length} of ${schemas.length} schemas`);
    expect(failed.map(([where]) => where)).toEqual([]);
  });

  it('one descriptor per parameter: a call built from the document is what the server takes', async () => {
    const get = doc.methods.find((m) => m.name === 'job.logs')!;
    expect(get.paramStructure).toBe('by-name');
    expect(get.params.map((p) => [p.name, p.required])).toEqual([['id', true], ['tailBytes', false], ['stream', false], ['timestamps', false], ['chunks', false]]);
    const job = await api.call('job.create', { name: 'discover-shape', image: 'busybox:latest', cmd: 'echo shaped', cpus: 0.1, memoryMb: 16 });
    await expect(api.call('job.logs', { id: job.id })).resolves.toMatchObject({ id: job.id });
  });

  it('each method lists its errors from the error table, and InvalidParams.data has the shape the server sends', async () => {
    for (const m of doc.methods) {
      const codes = m.errors.map((e) => e.code);
      expect(codes, m.name).toContain(-32602);
      expect(codes.every((c) => errorTable.some((e) => e.code === c)), m.name).toBe(true);
    }
    const byName = Object.fromEntries(doc.methods.map((m) => [m.name, m.errors.map((e) => e.code)]));
    expect(byName['job.get']).toContain(4004);
    expect(byName['job.create']).toContain(4009);
    expect(byName['system.ping']).not.toContain(4001);
    const dataSchema = new Ajv().compile(doc.components.schemas.InvalidParamsData!);
    const err = (await api.call('job.get', { id: -1 }).then(() => null, (e: unknown) => e)) as { data: unknown };
    expect(dataSchema(err.data), JSON.stringify(dataSchema.errors)).toBe(true);
    expect(err.data).toMatchObject({ field: 'id' });
  });
});

/** JSON-RPC over one authenticated WebSocket, for test-coverage: resolves with the whole response
 * object (result or error), skipping notifications (events.subscribe starts job.updated). */
async function wsTransport(url: string, token: string) {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const pending = new Map<number, (reply: unknown) => void>();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { id?: number };
    if (m.id !== undefined) pending.get(m.id)?.(m);
    if (m.id !== undefined) pending.delete(m.id);
  });
  let nextId = 0;
  return {
    call: (_url: string, method: string, params: unknown) =>
      new Promise<unknown>((resolve) => {
        const id = ++nextId;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** The tool's own faker rule (json-schema-faker on each descriptor), with what a by-name document
 * means and the tool does not do: optional params are left out half the time, and the params
 * object's constraints choose one `oneOf` branch (cmd or argv) and hold an `if`/`then` (no ports without a
 * network). A call is right when its result
 * matches the result schema, or its error is one the method documents and not -32602: the params
 * are checked against the document first, so a -32602 would be the document and the server
 * disagreeing. */
function documentRule(methods: Map<string, DocMethod>): Rule {
  const faker = new JsonSchemaFakerRule({ skip: [], only: [], numCalls: 10 });
  const ajv = new Ajv({ strict: false });
  const random = (() => {
    let seed = 12345; // the same calls every run, so a failure can be replayed
    return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  })();
  return {
    getTitle: () => 'cjm: document-valid params by name; results or documented errors',
    getCalls(document: OpenrpcDocument, method: MethodObject): Call[] {
      const m = methods.get(method.name)!;
      const branches = ((m['x-params-constraints']?.oneOf ?? []) as { required: string[] }[]).map((b) => b.required);
      const valid = ajv.compile(paramsSchema(m));
      return faker.getCalls(document, method).map((call) => {
        const params = { ...(call.params as unknown as Record<string, unknown>) };
        for (const p of m.params) if (!p.required && random() < 0.5) delete params[p.name];
        // Placement constraints are valid only on a swarm runtime, and this server runs docker
        // (their refusal here is covered by bad-input.test.ts).
        if (m.name === 'job.create') delete params['constraints'];
        if (branches.length) {
          const keep = branches[Math.floor(random() * branches.length)]!;
          for (const field of branches.flat()) if (!keep.includes(field)) delete params[field];
          for (const field of keep) if (!(field in params)) params[field] = (call.params as unknown as Record<string, unknown>)[field];
        }
        // An if/then constraint (network "none" takes no ports): leave out what `then` restricts.
        const rule = m['x-params-constraints'] as { if?: object; then?: { properties?: object } } | undefined;
        if (rule?.if && ajv.validate(rule.if, params)) for (const field of Object.keys(rule.then?.properties ?? {})) delete params[field];
        if (!valid(params)) throw new Error(`${m.name}: generated params the document itself refuses: ${JSON.stringify(params).slice(0, 300)} ${JSON.stringify(valid.errors)}`);
        return { ...call, params: params as unknown as unknown[] };
      });
    },
    validateCall(call: Call): Call {
      const m = methods.get(call.methodName)!;
      if (call.error) {
        const documented = m.errors.some((e) => e.code === call.error!.code);
        call.valid = documented && call.error.code !== -32602 && call.error.code !== -32603;
        if (!call.valid) call.reason = `error ${JSON.stringify(call.error)} to ${JSON.stringify(call.params).slice(0, 300)}`;
      } else {
        call.valid = ajv.validate(m.result.schema, call.result);
        if (!call.valid) call.reason = `result does not match its schema: ${JSON.stringify(ajv.errors)}`;
      }
      return call;
    },
  };
}

describe('@open-rpc/test-coverage against the live server', () => {
  it('every call gets a result matching its schema or an error the method documents', async () => {
    const transport = await wsTransport(server.url, server.adminToken);
    try {
      const calls = await runCoverage({
        openrpcDocument: doc as unknown as OpenrpcDocument,
        transport: transport.call,
        reporters: ['empty'],
        rules: [documentRule(new Map(doc.methods.map((m) => [m.name, m])))],
      });
      const failed = calls.filter((c) => !c.valid);
      const byCode: Record<string, number> = {};
      for (const c of calls) byCode[c.error ? String(c.error.code) : 'result'] = (byCode[c.error ? String(c.error.code) : 'result'] ?? 0) + 1;
      console.log(`test-coverage: ${calls.length} calls over ${new Set(calls.map((c) => c.methodName)).size} methods, ${calls.length - failed.length} passed, ${failed.length} failed; answers ${JSON.stringify(byCode)}`);
      expect(failed.map((c) => `${c.methodName}: ${c.reason ?? String(c.requestError)}`)).toEqual([]);
      expect(calls.length).toBeGreaterThanOrEqual(doc.methods.length);
    } finally {
      transport.close();
    }
  }, 120_000);
});
