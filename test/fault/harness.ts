// cjm as a child process for the fault and fuzz suites (node --import tsx server/main.ts): it must
// be SIGKILLable, and pointed at a private dockerd (dockerode reads DOCKER_HOST from the process
// environment, so another Docker means another process). In-process servers: test/support/server.ts.
// Also: the token CLI, and audits of records against containers.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import type { CjmApi, Job } from '../../server/protocol/index.js';
import type Docker from 'dockerode';
import { freePort } from '../support/daemons.js';
import { sourceNodeArgs } from '../support/source.js';

const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const mainTs = join(repoRoot, 'server/main.ts');

export const newAdminToken = () => `cjm_admin_${randomBytes(18).toString('hex')}`;

export interface CjmEnv {
  databaseUrl: string;
  adminToken: string;
  dataDir?: string;
  dockerHost?: string;
  extra?: Record<string, string>;
}

function envOf(e: CjmEnv, dataDir: string, listen: string): NodeJS.ProcessEnv {
  return {
    CJM_LISTEN: listen,
    CJM_DATABASE_URL: e.databaseUrl,
    CJM_DATA_DIR: dataDir,
    CJM_ADMIN_TOKEN: e.adminToken,
    CJM_LOG_LEVEL: 'warn',
    ...(e.dockerHost ? { DOCKER_HOST: e.dockerHost } : {}),
    ...e.extra,
  };
}

export interface ChildCjm {
  rpcUrl: string;
  port: number;
  dataDir: string;
  logFile: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  log(): Promise<string>;
}

/** `tsx server/main.ts` with the given environment; resolves once it answers system.ping. */
export async function spawnCjm(e: CjmEnv & { port?: number; dataDir: string }): Promise<ChildCjm> {
  const port = e.port ?? (await freePort());
  const logFile = join(e.dataDir, `server-${Date.now()}.log`);
  const out = createWriteStream(logFile);
  // node --import tsx, not the tsx binary: that one runs the server in a child process of its own,
  // and a SIGKILL must reach the server itself.
  const child = spawn(process.execPath, [...sourceNodeArgs, mainTs], { env: { ...process.env, ...envOf(e, e.dataDir, `127.0.0.1:${port}`) }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const rpcUrl = `ws://127.0.0.1:${port}/rpc`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cjm-server exited with ${child.exitCode}: ${await readFile(logFile, 'utf8')}`);
    try {
      const c = await createClient(rpcUrl, undefined, { connectTimeoutMs: 1000, callTimeoutMs: 2000 });
      await c.call('system.ping', {});
      c.close();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`cjm-server did not answer within 60 s: ${await readFile(logFile, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    rpcUrl,
    port,
    dataDir: e.dataDir,
    logFile,
    child,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    log: () => readFile(logFile, 'utf8'),
  };
}

/** The `cjm-server token` CLI against a database; returns stdout. */
export async function tokenCli(databaseUrl: string, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [...sourceNodeArgs, mainTs, 'token', ...args], {
    env: { ...process.env, CJM_DATABASE_URL: databaseUrl, CJM_LOG_LEVEL: 'silent' },
    timeout: 60_000,
  });
  return stdout;
}

/** Creates a token with the CLI and returns it with its id. */
export async function createToken(databaseUrl: string, user: string, admin = false): Promise<{ token: string; id: number }> {
  const token = (await tokenCli(databaseUrl, ['create', '--user', user, ...(admin ? ['--admin'] : [])])).trim();
  const list = JSON.parse(await tokenCli(databaseUrl, ['list', '--json'])) as { id: number; user: string; revokedAt: string | null }[];
  const mine = list.filter((r) => r.user === user && !r.revokedAt).sort((a, b) => b.id - a.id)[0];
  if (!mine) throw new Error(`token for ${user} not in token list`);
  return { token, id: mine.id };
}

/** Every job, through the admin's job.list pages. */
export async function allJobs(api: CjmApi): Promise<Job[]> {
  const out: Job[] = [];
  let cursor: string | null = null;
  do {
    const page: { jobs: Job[]; nextCursor: string | null } = await api.call('job.list', { limit: 500, ...(cursor ? { cursor } : {}) });
    out.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

export interface Audit {
  jobs: Job[];
  /** Containers labelled cjm.managed=true that no record points at. */
  orphans: string[];
  /** Running/exited records (not lost) whose container does not exist. */
  missingContainers: Job[];
  /** Records still pending or running whose container Docker says has stopped, or pending ones. */
  unsettled: Job[];
}

/** Records against containers, on a Docker only this test's server uses. */
export async function audit(api: CjmApi, docker: Docker): Promise<Audit> {
  const jobs = await allJobs(api);
  const containers = await docker.listContainers({ all: true, filters: { label: ['cjm.managed=true'] } });
  const byId = new Map(containers.map((c) => [c.Id, c]));
  const referenced = new Set(jobs.map((j) => j.containerId).filter((c): c is string => c !== null));
  const orphans = containers.filter((c) => !referenced.has(c.Id)).map((c) => c.Id);
  const missingContainers = jobs.filter(
    (j) => (j.status === 'running' || (j.status === 'exited' && j.reason !== 'lost')) && (!j.containerId || !byId.has(j.containerId)),
  );
  const unsettled = jobs.filter((j) => j.status === 'pending' || (j.status === 'running' && byId.get(j.containerId ?? '')?.State !== 'running'));
  return { jobs, orphans, missingContainers, unsettled };
}

export interface LineCount {
  /** The highest N seen: how far the job got. */
  printed: number;
  /** Numbers of 1..count not seen. */
  lost: number;
  /** Numbers of 1..printed not seen: a job still running, or ended early, printed a prefix. */
  gaps: number;
  duplicated: number;
  inOrder: boolean;
}

/** Lines `<prefix>N` (N from 1; `line N` by default) in a log text. Other lines, and a last line
 * without its newline yet (a running job's), are ignored. Scans in place: the text may be 40 MB. */
/** `text` as job.logs answers it without `chunks`: always present, so undefined is a failure. */
export function countLines(text: string | undefined, count: number, prefix = 'line '): LineCount {
  if (text === undefined) throw new Error('job.logs answered without text');
  const seen = new Uint8Array(count + 1);
  let printed = 0;
  let duplicated = 0;
  let inOrder = true;
  let previous = 0;
  for (let at = 0; at < text.length; ) {
    const eol = text.indexOf('\n', at);
    if (eol < 0) break;
    const line = text.slice(at, eol);
    at = eol + 1;
    if (!line.startsWith(prefix) || !/^[0-9]+$/.test(line.slice(prefix.length))) continue;
    const n = Number(line.slice(prefix.length));
    if (n <= previous) inOrder = false;
    previous = n;
    printed = Math.max(printed, n);
    if (n > count) continue;
    if (seen[n]) duplicated++;
    seen[n] = 1;
  }
  let lost = 0;
  let gaps = 0;
  for (let i = 1; i <= count; i++) {
    if (seen[i]) continue;
    lost++;
    if (i < printed) gaps++;
  }
  return { printed, lost, gaps, duplicated, inOrder };
}

/** A job's whole log as a user reads it: job.follow from offset 0 until job.logEnd 'finished'; a
 * follow the server dropped (a slow reader) resumes where it stopped. Fails on a gap in the offsets. */
export async function readWholeLog(api: CjmClient, id: number, timeoutMs = 120_000): Promise<string> {
  const parts: string[] = [];
  let offset = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const end = await new Promise<{ reason: string; offset: number }>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`job ${id}'s log did not end within ${timeoutMs} ms (at ${offset})`)), Math.max(0, deadline - Date.now()));
      const offLog = api.on('job.log', (n) => {
        if (n.id !== id) return;
        if (n.offset !== offset) return done(new Error(`job ${id}: a follow chunk at ${n.offset}, expected ${offset}`));
        parts.push(n.data);
        offset = n.nextOffset;
      });
      const offEnd = api.on('job.logEnd', (n) => n.id === id && done(null, n));
      function done(err: Error | null, n?: { reason: string; offset: number }): void {
        clearTimeout(timer);
        offLog();
        offEnd();
        if (err) reject(err);
        else resolve(n!);
      }
      api.call('job.follow', { id, fromOffset: offset }).catch((e: Error) => done(e));
    });
    if (end.offset !== offset) throw new Error(`job ${id}: the follow ended at ${end.offset}, the chunks at ${offset}`);
    if (end.reason === 'finished') return parts.join('');
    if (end.reason !== 'dropped') throw new Error(`job ${id}'s follow ended: ${end.reason}`);
  }
}

/** A shell loop printing `line 1` .. `line count`, one every intervalSeconds. */
export const lineLoop = (count: number, intervalSeconds: number) =>
  `i=1; while [ $i -le ${count} ]; do echo "line $i"; i=$((i+1)); sleep ${intervalSeconds}; done`;
