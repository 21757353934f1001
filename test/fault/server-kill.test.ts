// Fault: the server is SIGKILLed in the middle of a burst of 20 creates, or while a job prints 39 MB
// of short lines, then started again. Runs against a private dockerd (so "no labelled container
// without a record" can be checked globally) and a throwaway database on the shared MariaDB (the
// database is not the thing broken here).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import type { Job } from '../../server/protocol/index.js';
import { startPrivateDockerd, type PrivateDockerd } from '../support/daemons.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uniqueName, waitFor, waitForJob } from '../support/wait.js';
import { audit, countLines, lineLoop, newAdminToken, readWholeLog, spawnCjm, type ChildCjm } from './harness.js';

let dockerd: PrivateDockerd;
let db: TestDatabase;
let dataDir: string;
let server: ChildCjm | null = null;
const adminToken = newAdminToken();
const figures = { faults: 0, acknowledged: 0, recordsLost: 0, logLinesLost: 0, logLinesDuplicated: 0, orphans: 0, unsettled: 0 };

beforeAll(async () => {
  [dockerd, db] = await Promise.all([startPrivateDockerd(), createTestDatabase()]);
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fault-kill-'));
}, 120_000);

afterAll(async () => {
  console.log(`FAULT server-kill: ${JSON.stringify(figures)}`);
  await server?.kill('SIGKILL');
  await dockerd?.destroy();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

const start = () => spawnCjm({ databaseUrl: db.url, adminToken, dockerHost: dockerd.host, dataDir });
const LINES = 15;

describe('SIGKILL during a burst of 20 creates', () => {
  // Kill at different moments: right after the first create is answered (most still being inserted
  // or launched), half-way, and shortly after the last answer (containers being started).
  for (const [afterAcks, delayMs] of [[1, 0], [10, 0], [20, 150]] as const) {
    it(`after ${afterAcks} answers + ${delayMs} ms: every record has its container or is error/lost, no orphan, no log line lost`, async () => {
      server = await start();
      let api: CjmClient = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 20_000 });
      const acked = new Map<number, Job>();
      const burst = Array.from({ length: 20 }, (_, i) =>
        api
          .call('job.create', { name: uniqueName(`k${i}`), image: 'busybox:latest', cmd: lineLoop(LINES, 0.2), cpus: 0.1, memoryMb: 16, network: 'none' })
          .then((job) => acked.set(job.id, job))
          .catch(() => undefined),
      );
      await waitFor(`${afterAcks} answers`, async () => acked.size >= afterAcks, 30_000);
      await new Promise((r) => setTimeout(r, delayMs));
      await server.kill('SIGKILL');
      const ackedAtKill = acked.size;
      figures.faults++;
      await Promise.all(burst);
      api.close();
      figures.acknowledged += acked.size;

      server = await start();
      api = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 20_000 });
      // Jobs still running after the restart have, so far, a prefix of their lines: no gap, no repeat.
      for (const j of (await audit(api, dockerd.docker)).jobs.filter((x) => x.status === 'running')) {
        const c = countLines((await api.call('job.logs', { id: j.id, tailBytes: 65536 })).text, LINES);
        figures.logLinesLost += c.gaps;
        figures.logLinesDuplicated += c.duplicated;
        expect({ id: j.id, running: true, gaps: c.gaps, duplicated: c.duplicated, inOrder: c.inOrder }).toEqual({ id: j.id, running: true, gaps: 0, duplicated: 0, inOrder: true });
      }
      // Once settled, nothing is pending and every running record's container is running.
      const settled = await waitFor(
        'the restarted server to settle',
        async () => {
          const a = await audit(api, dockerd.docker);
          return a.unsettled.length === 0 && a.jobs.every((j) => j.status !== 'running') ? a : undefined;
        },
        60_000,
      ).catch(async () => audit(api, dockerd.docker));

      const ids = new Set(settled.jobs.map((j) => j.id));
      const lost = [...acked.keys()].filter((id) => !ids.has(id));
      figures.recordsLost += lost.length;
      figures.orphans += settled.orphans.length;
      figures.unsettled += settled.unsettled.length;
      console.log(
        `kill after ${ackedAtKill} answers: ${settled.jobs.length} records: ` +
          JSON.stringify(countBy(settled.jobs.map((j) => `${j.status}/${j.reason ?? ''}`))),
      );
      expect(lost, 'acknowledged jobs without a record').toEqual([]);
      expect(settled.orphans, 'cjm containers without a record').toEqual([]);
      expect(settled.missingContainers.map((j) => `${j.id} ${j.status}/${j.reason}`), 'records whose container vanished but are not lost').toEqual([]);
      expect(settled.unsettled.map((j) => `${j.id} ${j.status}`), 'jobs stuck pending/running').toEqual([]);
      for (const j of settled.jobs) {
        if (j.status === 'error') expect(j.reason, `job ${j.id}`).toBeTruthy();
        expect(['exited', 'error']).toContain(j.status);
      }

      // Every job's output once, across the kill and restart: all of it for those that completed, the
      // prefix they printed for the others (ended early, or never started: nothing).
      for (const j of settled.jobs) {
        const logs = await api.call('job.logs', { id: j.id, tailBytes: 65536 });
        const c = countLines(logs.text, LINES);
        const completed = j.status === 'exited' && j.reason === 'completed';
        const lost = completed ? c.lost : c.gaps;
        if (lost || c.duplicated) console.log(`job ${j.id} log lost ${lost} dup ${c.duplicated}: ${JSON.stringify({ job: j, size: logs.size, text: logs.text?.slice(0, 300) })}`);
        figures.logLinesLost += lost;
        figures.logLinesDuplicated += c.duplicated;
        expect({ id: j.id, printed: completed ? c.printed : 'a prefix', lost, duplicated: c.duplicated, inOrder: c.inOrder }).toEqual({
          id: j.id,
          printed: completed ? LINES : 'a prefix',
          lost: 0,
          duplicated: 0,
          inOrder: true,
        });
      }

      for (const j of settled.jobs) await api.call('job.remove', { id: j.id });
      const after = await audit(api, dockerd.docker);
      expect(after.jobs).toEqual([]);
      expect(after.orphans).toEqual([]);
      api.close();
      await server.kill('SIGTERM');
      server = null;
    }, 180_000);
  }
});

describe('SIGKILL while a job prints seq 1 5000000 (~39 MB of short lines)', () => {
  // Short lines are the shape Docker's own copy stores least compactly (json-file: ~72 bytes for a
  // 2-byte line), and a resume replays that copy from its start: it must not have rotated.
  const COUNT = 5_000_000;
  let bytes = 0;
  for (let i = 1; i <= COUNT; i++) bytes += String(i).length + 1;

  it('after the restart every number is in the log exactly once, in order', async () => {
    server = await start();
    let api: CjmClient = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 20_000 });
    const job = await api.call('job.create', { name: uniqueName('seq'), image: 'busybox:latest', cmd: `seq 1 ${COUNT}`, cpus: 1, memoryMb: 64, network: 'none' });
    figures.acknowledged++;
    const stored = await waitFor('4 MB of the output stored', async () => {
      const l = await api.call('job.logs', { id: job.id, tailBytes: 0 });
      return l.size >= 4_000_000 ? l.size : undefined;
    }, 120_000);
    const { containerId } = await api.call('job.get', { id: job.id });
    api.close();
    await server.kill('SIGKILL');
    figures.faults++;
    const runningAtKill = (await dockerd.docker.getContainer(containerId!).inspect()).State.Running;
    console.log(`seq: killed at ${stored} of ${bytes} bytes stored; container running: ${runningAtKill}`);
    expect(runningAtKill, 'the job was still printing when the server died').toBe(true);

    server = await start();
    api = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 20_000 });
    const done = await waitForJob(api, job.id, (j) => j.status === 'exited', 300_000);
    expect(done).toMatchObject({ status: 'exited', reason: 'completed', exitCode: 0 });
    // The resume replays Docker's copy, and again after the exit: minutes on a busy 2-core host.
    const text = await readWholeLog(api, job.id, 480_000);
    const c = countLines(text, COUNT, '');
    figures.logLinesLost += c.lost;
    figures.logLinesDuplicated += c.duplicated;
    expect({ size: Buffer.byteLength(text), ...c }).toEqual({ size: bytes, printed: COUNT, lost: 0, gaps: 0, duplicated: 0, inOrder: true });
    expect(text.includes('[cjm:'), 'no notice of missing output').toBe(false);

    await api.call('job.remove', { id: job.id });
    api.close();
    await server.kill('SIGTERM');
    server = null;
  }, 900_000);
});

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
