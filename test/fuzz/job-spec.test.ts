// Random JobSpecs at job.create over the real socket: every field is, independently, a valid value
// or one of many wrong ones (type, range, empty, huge, traversal, shell metacharacters, NUL). A spec
// with a wrong field must get -32602 naming a field that really is wrong, and leave no row and no
// container; a valid one must be created (then removed). Runs on a private dockerd so "no container"
// can be checked globally.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { ErrorCode, RpcError, type JobSpecInput } from '../../server/protocol/index.js';
import { allJobs, audit, newAdminToken, spawnCjm, type ChildCjm } from '../fault/harness.js';
import { startPrivateDockerd, type PrivateDockerd } from '../support/daemons.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { fuzzRuns } from './wire.js';

let dockerd: PrivateDockerd;
let db: TestDatabase;
let dataDir: string;
let server: ChildCjm;
let api: CjmClient;
const adminToken = newAdminToken();
const stats = { tried: 0, valid: 0, invalid: 0, created: 0, rejected: 0, byField: {} as Record<string, number> };

beforeAll(async () => {
  [dockerd, db] = await Promise.all([startPrivateDockerd(), createTestDatabase()]);
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fuzz-spec-'));
  server = await spawnCjm({ databaseUrl: db.url, adminToken, dockerHost: dockerd.host, dataDir, extra: { CJM_RATE_LIMIT: '0' } });
  api = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 30_000 });
}, 120_000);

afterAll(async () => {
  console.log(`FUZZ job specs: ${JSON.stringify(stats)}`);
  api?.close();
  await server?.kill('SIGTERM');
  await dockerd?.destroy();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

const ABSENT = Symbol('absent');
type Value = unknown | typeof ABSENT;
/** One field's choice: its value, and whether that value is wrong. */
type Choice = { value: Value; wrong: boolean };
const ok = (...xs: Value[]) => fc.constantFrom(...xs).map((value): Choice => ({ value, wrong: false }));
const bad = (...xs: Value[]) => fc.constantFrom(...xs).map((value): Choice => ({ value, wrong: true }));
const pick = (good: fc.Arbitrary<Choice>, wrong: fc.Arbitrary<Choice>) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: wrong });

const big = 'x'.repeat(10 * 1024);
const commonBad = [null, true, [], {}, big, 1e308, -0.5];
let counter = 0;
const freshName = () => `fz-${process.pid}-${Date.now().toString(36)}-${counter++}`;

const fields = {
  name: pick(
    fc.constant(null).map((): Choice => ({ value: freshName(), wrong: false })),
    fc.oneof(
      bad(ABSENT, '', ' ', '-x', '.x', '_x', '../etc', 'a/b', 'a b', 'x;rm -rf /', '$(id)', '`id`', 'a|b', 'é', 'x\u0000y', 'a'.repeat(64), 5, ...commonBad),
      fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(s)).map((value): Choice => ({ value, wrong: true })),
    ),
  ),
  image: pick(ok('busybox:latest', 'busybox'), bad(ABSENT, '', 'BusyBox', 'busy box', '../../etc/passwd', 'busybox:', ':latest', 'busybox@sha256:xyz', 'a'.repeat(300), 'x;id', 7, ...commonBad)),
  cmd: pick(ok('true', 'echo "$HOME" && exit 0', 'true; echo \'; rm -rf /\''), bad('', '   ', 'a\u0000b', 'x'.repeat(9000), 5, null, [], {})),
  argv: pick(ok(ABSENT), bad([], [''], 'true', [1], [null], ['a\u0000'], Array(300).fill('x'), null, {})),
  cpus: pick(ok(0.1, 0.5, 1, 0.01), bad(ABSENT, 0, -1, 0.001, '0.5', 3, 1e9, null, [], {}, true)),
  memoryMb: pick(ok(6, 16, 64), bad(ABSENT, 5, 0, -1, 6.5, '64', 1e12, 10 ** 7, null, [], {})),
  ioWeight: pick(ok(ABSENT, 10, 500, 1000), bad(9, 1001, 10.5, -1, '500', null, [], {})),
  pidsLimit: pick(ok(ABSENT, 1, 64, 512), bad(0, -1, 40_000, 1.5, '64', null, [], {})),
  timeoutSeconds: pick(ok(ABSENT, 0, 5), bad(-1, 1.2, '5', 10 ** 9, null, [], {})),
  env: pick(ok(ABSENT, {}, { A: 'b', _X: 'y z' }), bad({ '1A': 'x' }, { A: 5 }, { A: 'x\u0000' }, { 'A-B': 'x' }, { '': 'x' }, { A: big }, [], 'A=b', null, 5)),
  network: pick(ok(ABSENT, 'bridge', 'none'), bad('host', 'container:x', 'default', '', 5, null, [], {})),
  ports: pick(ok(ABSENT, [], [8000], [1, 65535]), bad([0], [70000], Array.from({ length: 17 }, (_, i) => 8000 + i), ['80'], [80, 80], [8.5], '80', null, {})),
  extra: pick(ok(ABSENT), bad(1, 'x', null)),
};

type Spec = { [K in keyof typeof fields]: Choice };
// A third of the specs are entirely valid (each field's good values only); the rest mix good and
// wrong per field, so single wrong fields and many at once both occur.
const onlyGood = Object.fromEntries(
  Object.entries(fields).map(([k, arb]) => [k, arb.filter((c) => !c.wrong)]),
) as { [K in keyof typeof fields]: fc.Arbitrary<Choice> };
const specArb: fc.Arbitrary<Spec> = fc.oneof({ weight: 1, arbitrary: fc.record(onlyGood) }, { weight: 2, arbitrary: fc.record(fields) });

/** The fields that are wrong, including the rule "cmd or argv, exactly one". */
function wrongFields(s: Spec): string[] {
  const wrong = Object.entries(s)
    .filter(([, c]) => c.wrong)
    .map(([k]) => k);
  const hasCmd = s.cmd.value !== ABSENT;
  const hasArgv = s.argv.value !== ABSENT;
  if (!hasCmd && !hasArgv) wrong.push('cmd');
  if (hasCmd && hasArgv) wrong.push('argv', 'cmd');
  // Ports need a network to be reached on.
  const ports = s.ports.value;
  if (!s.ports.wrong && Array.isArray(ports) && ports.length > 0 && s.network.value === 'none') wrong.push('ports');
  return wrong;
}

function toParams(s: Spec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, c] of Object.entries(s)) if (c.value !== ABSENT) out[k === 'extra' ? 'evil' : k] = c.value;
  return out;
}

async function containerCount(): Promise<number> {
  return (await dockerd.docker.listContainers({ all: true, filters: { label: ['cjm.managed=true'] } })).length;
}

describe('random JobSpecs', () => {
  it('invalid -> -32602 naming a wrong field, nothing stored; valid -> created', async () => {
    await fc.assert(
      fc.asyncProperty(specArb, async (s) => {
        const params = toParams(s);
        const wrong = wrongFields(s);
        stats.tried++;
        const rowsBefore = (await allJobs(api)).length;
        let result: unknown;
        try {
          result = await api.call('job.create', params as JobSpecInput);
        } catch (e) {
          result = e;
        }
        if (wrong.length === 0) {
          stats.valid++;
          if (result instanceof RpcError) throw new Error(`a valid spec was refused: ${result.code} ${result.message} for ${JSON.stringify(params).slice(0, 400)}`);
          stats.created++;
          await api.call('job.remove', { id: (result as { id: number }).id });
          return;
        }
        stats.invalid++;
        if (!(result instanceof RpcError)) {
          const id = (result as { id?: number }).id;
          if (id) await api.call('job.remove', { id }).catch(() => undefined);
          throw new Error(`accepted a spec with wrong ${wrong.join(', ')}: ${JSON.stringify(params).slice(0, 400)}`);
        }
        if (result.code !== ErrorCode.InvalidParams) throw new Error(`code ${result.code} (${result.message}) for wrong ${wrong.join(', ')}`);
        stats.rejected++;
        const field = String((result.data as { field?: unknown } | undefined)?.field ?? '');
        const top = field === 'evil' ? 'extra' : (field.split('.')[0] ?? '');
        stats.byField[top] = (stats.byField[top] ?? 0) + 1;
        // An unknown key is reported by zod at the root, under the key's name or as ''.
        const named = wrong.includes(top) || (top === '' && wrong.includes('extra'));
        if (!named) throw new Error(`-32602 names ${JSON.stringify(field)} but the wrong fields are ${wrong.join(', ')}: ${result.message}`);
        if ((await allJobs(api)).length !== rowsBefore) throw new Error('a rejected spec left a row');
      }),
      { numRuns: fuzzRuns(100), verbose: 1 },
    );
    const a = await audit(api, dockerd.docker);
    expect(a.jobs).toEqual([]);
    expect(await containerCount()).toBe(0);
    expect(stats.created).toBeGreaterThan(0);
  }, 600_000);
});
