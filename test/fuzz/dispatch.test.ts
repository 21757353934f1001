// Volume fuzz of every method (JobSpecs most of all), in process: params generated from the server's own OpenRPC document
// (valid ones, and valid ones with fields made wrong, see from-schema.ts) go through the same
// dispatcher, validation and handlers as a socket's frames (LocalApi), against the real stack (real
// MariaDB and dockerd). Then a sample of the same over a real socket. Every answer must be a result
// matching the method's result schema or an error the method documents; -32602 only for wrong
// params and naming one of the wrong fields; nothing stored for a refused create; the server up.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../server/protocol/client.js';
import { ErrorCode, RpcError, type CjmApi, type MethodName } from '../../server/protocol/index.js';
import type { LocalApi } from '../../server/rpc/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { mutatedArb, paramsSchemaOf, validArb, validator, type DocMethod, type Mutated } from './from-schema.js';
import { fuzzRuns } from './wire.js';

let server: TestServer;
let local: LocalApi;
let methods: DocMethod[];
/** The jobs this fuzz created and did not remove (by id): the only rows there may be at the end. */
const created = new Map<number, string>();
const takenName = 'fuzz-taken';
const tally = { calls: 0, results: 0, byCode: {} as Record<string, number> };

beforeAll(async () => {
  server = await startTestServer({ env: { CJM_RATE_LIMIT: '0' } });
  local = await server.connect(server.adminToken);
  methods = ((await local.call('rpc.discover', {})) as unknown as { methods: DocMethod[] }).methods;
  const taken = await local.call('job.create', { name: takenName, image: 'busybox:latest', cmd: 'true', cpus: 0.1, memoryMb: 16 });
  created.set(taken.id, taken.name);
}, 60_000);

afterAll(async () => {
  console.log(`FUZZ dispatch: ${JSON.stringify(tally)}`);
  local?.close();
  await server?.close();
}, 120_000);

type Input = { method: DocMethod; params: Record<string, unknown>; wrong: string[] };

/** For one method: valid params (two in five; one in six for job.create, whose valid calls queue
 * per user in the server) or valid ones with fields made wrong. */
function inputArb(m: DocMethod): fc.Arbitrary<Input> {
  const schema = paramsSchemaOf(m);
  const valid = (validArb(schema) as fc.Arbitrary<Record<string, unknown>>).map((params): Mutated => ({ params, wrong: [] }));
  const [v, w] = m.name === 'job.create' ? [1, 5] : [2, 3];
  return fc.oneof({ weight: v, arbitrary: valid }, { weight: w, arbitrary: mutatedArb(schema) }).map((x) => ({ method: m, ...x }));
}

/** A valid job.create would pull a random image from a random registry: most take a name that is
 * taken (4009, the whole create path but the insert), one in 25 is made runnable and created. */
function runnable(input: Input, index: number): Input {
  if (input.method.name !== 'job.create' || input.wrong.length) return input;
  if (index % 25) return { ...input, params: { ...input.params, name: takenName } };
  const { argv: _argv, ...rest } = input.params;
  return { ...input, params: { ...rest, image: 'busybox:latest', cmd: 'true', cpus: 0.1, memoryMb: 16 } };
}

async function check(api: CjmApi, input: Input): Promise<void> {
  const { method: m, params, wrong } = input;
  let answer: { result: unknown } | { error: RpcError };
  try {
    answer = { result: await api.call(m.name as MethodName, params as never) };
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    answer = { error: e };
  }
  tally.calls++;
  const what = `${m.name} ${JSON.stringify(params).slice(0, 300)} (wrong: ${wrong.join(', ') || 'none'})`;
  if ('result' in answer) {
    tally.results++;
    if (wrong.length) throw new Error(`accepted ${what}`);
    const v = validator(m.result.schema);
    if (!v(answer.result)) throw new Error(`result of ${what} does not match its schema: ${JSON.stringify(v.errors)}`);
    if (m.name === 'job.create' || m.name === 'job.rerun') {
      const job = answer.result as { id: number; name: string };
      created.set(job.id, job.name);
    }
    if (m.name === 'job.remove') created.delete(Number(params.id));
    if (m.name === 'job.removeMany') for (const id of (answer.result as { removed: number[] }).removed) created.delete(id);
    return;
  }
  const { code, message, data } = answer.error;
  tally.byCode[code] = (tally.byCode[code] ?? 0) + 1;
  if (code === ErrorCode.InternalError || !m.errors.some((e) => e.code === code)) throw new Error(`undocumented ${code} ${message} for ${what}`);
  if (code !== ErrorCode.InvalidParams) return;
  if (!wrong.length) throw new Error(`-32602 (${message}) for params the document accepts: ${what}`);
  const field = String((data as { field?: unknown } | undefined)?.field ?? '');
  const top = field.split('.')[0] ?? '';
  if (!wrong.includes(top)) throw new Error(`-32602 names ${JSON.stringify(field)} (${message}), the wrong fields are ${wrong.join(', ')}: ${what}`);
}

// Built once: each method's arbitraries compile their schemas with ajv. job.create, the method with
// the most to get wrong, gets about a third of the inputs.
let inputs: fc.Arbitrary<Input> | undefined;
const everyInput = () =>
  (inputs ??= fc
    .tuple(fc.oneof(...methods.map((m) => ({ weight: m.name === 'job.create' ? 5 : 1, arbitrary: inputArb(m) }))), fc.nat())
    .map(([input, i]) => runnable(input, i)));

describe('every method, params from the document', () => {
  it('in process: results or documented errors, -32602 naming a wrong field', async () => {
    const t0 = performance.now();
    // In batches run concurrently, as a busy connection's calls are; a failing batch still shrinks.
    const batch = 25;
    await fc.assert(
      fc.asyncProperty(fc.array(everyInput(), { minLength: batch, maxLength: batch }), async (inputs) => {
        await Promise.all(inputs.map((input) => check(local, input)));
      }),
      { numRuns: Math.ceil(fuzzRuns(10_000) / batch) },
    );
    console.log(`FUZZ dispatch in process: ${tally.calls} calls in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }, 120_000);

  it('over a socket: the same, for a sample', async () => {
    const api = await createClient(server.url, server.adminToken);
    try {
      const before = tally.calls;
      await fc.assert(fc.asyncProperty(everyInput(), (input) => check(api, input)), { numRuns: fuzzRuns(500) });
      expect(tally.calls - before).toBeGreaterThanOrEqual(Math.min(500, fuzzRuns(500)));
    } finally {
      api.close();
    }
  }, 120_000);

  it('nothing half-written: the only jobs are those created; the server is up', async () => {
    const jobs: [number, string][] = [];
    for (let cursor: string | null = null; ; ) {
      const page: { jobs: { id: number; name: string }[]; nextCursor: string | null } = await local.call('job.list', { limit: 500, cursor });
      jobs.push(...page.jobs.map((j): [number, string] => [j.id, j.name]));
      if (!(cursor = page.nextCursor)) break;
    }
    expect(jobs.sort((a, b) => a[0] - b[0])).toEqual([...created].sort((a, b) => a[0] - b[0]));
    await expect(local.call('system.ping', {})).resolves.toMatchObject({ ok: true });
  });
});
