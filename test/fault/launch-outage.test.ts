// Fault: the (private) database goes away while launches are under way: while jobs pull from a slow
// local registry, while they are being started, and (frozen for 12 s) while launches are failing. The
// server must stay up (an unhandled rejection used to end it), and every job must settle to its true
// state within 10 s of the database's return.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import type { Job } from '../../server/protocol/index.js';
import { freePort, startPrivateDockerd, startPrivateMariaDb, type PrivateDockerd, type PrivateMariaDb } from '../support/daemons.js';
import { uniqueName, waitFor } from '../support/wait.js';
import { audit, newAdminToken, spawnCjm, type ChildCjm } from './harness.js';

let mariadb: PrivateMariaDb;
let dockerd: PrivateDockerd;
let dataDir: string;
let server: ChildCjm;
let api: CjmClient;
let registry: ChildProcess | undefined;
let slowProxy: TcpServer | undefined;
let notFound: Server | undefined;
const adminToken = newAdminToken();
const figures = { faults: 0, jobs: 0, settleMs: [] as number[], serverExits: 0 };

beforeAll(async () => {
  [mariadb, dockerd] = await Promise.all([startPrivateMariaDb(), startPrivateDockerd()]);
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fault-launch-'));
  const url = await mariadb.createDatabase('cjm_fault');
  server = await spawnCjm({ databaseUrl: url, adminToken, dockerHost: dockerd.host, dataDir });
  api = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 30_000 });
}, 180_000);

afterAll(async () => {
  console.log(`FAULT launch-outage: ${JSON.stringify(figures)}`);
  api?.close();
  await server?.kill('SIGTERM');
  registry?.kill('SIGTERM');
  slowProxy?.close();
  notFound?.close();
  await mariadb?.destroy();
  await dockerd?.destroy();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

const spec = (name: string, image: string, cmd: string) => ({ name: uniqueName(name), image, cmd, cpus: 0.1, memoryMb: 16, network: 'none' as const });

/** Waits until every job is final (reading past a database still coming back); returns them. */
async function settled(ids: number[], timeoutMs: number): Promise<Job[]> {
  return waitFor(
    `jobs ${ids.join(',')} final`,
    async () => {
      const jobs = await Promise.all(ids.map((id) => api.call('job.get', { id }))).catch(() => null);
      return jobs?.every((j) => j.status === 'exited' || j.status === 'error') ? jobs : null;
    },
    timeoutMs,
  );
}

/** docker-registry on a free port, and in front of it a proxy that holds every chunk `delayMs`. */
async function slowRegistry(delayMs: number): Promise<string> {
  const dir = join(dataDir, 'registry');
  const port = await freePort();
  await writeFile(join(dataDir, 'registry.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  registry = spawn('docker-registry', ['serve', join(dataDir, 'registry.yml')], { stdio: 'ignore' });
  await waitFor('the registry', async () => (await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => null))?.ok, 15_000);
  let slow = false;
  slowProxy = createTcpServer((client: Socket) => {
    const upstream = connect(port, '127.0.0.1');
    // Each direction forwards its chunks in order, each held delayMs while slow; an end follows them.
    const relay = (from: Socket, to: Socket) => {
      let chain = Promise.resolve();
      const after = (fn: () => void) => (chain = chain.then(() => new Promise<void>((r) => setTimeout(r, slow ? delayMs : 0))).then(fn));
      from.on('data', (chunk) => after(() => void to.write(chunk)));
      from.on('end', () => after(() => void to.end()));
      from.on('error', () => to.destroy());
    };
    relay(client, upstream);
    relay(upstream, client);
  });
  const proxyPort = await freePort();
  await new Promise<void>((r) => slowProxy!.listen(proxyPort, '127.0.0.1', r));
  // busybox into the registry, then the tag removed here, so a job with it must pull (the manifest and
  // config at least: busybox:latest's layer is still in this dockerd).
  const image = `127.0.0.1:${proxyPort}/cjm/busybox:slow`;
  const [repo, tag] = [image.slice(0, image.lastIndexOf(':')), 'slow'];
  await dockerd.docker.getImage('busybox:latest').tag({ repo, tag });
  const push = await dockerd.docker.getImage(image).push({ authconfig: { serveraddress: `127.0.0.1:${proxyPort}` } });
  await new Promise<void>((resolve, reject) => dockerd.docker.modem.followProgress(push, (err) => (err ? reject(err) : resolve())));
  await dockerd.docker.getImage(image).remove();
  slow = true;
  return image;
}

describe('database outage during launches', () => {
  it('stopped while jobs pull and while they start: the server stays up, every job settles within 10 s of the return', async () => {
    const slowImage = await slowRegistry(1500);
    const pulling = await Promise.all([1, 2, 3].map((n) => api.call('job.create', spec(`pull${n}`, slowImage, 'echo pulled'))));
    const starting = await Promise.all([1, 2, 3].map((n) => api.call('job.create', spec(`start${n}`, 'busybox:latest', 'echo started'))));
    await mariadb.stop();
    figures.faults++;
    const jobs = [...pulling, ...starting];
    figures.jobs += jobs.length;
    await new Promise((r) => setTimeout(r, 8000));
    expect(server.child.exitCode, 'the server exited during the outage').toBeNull();

    await mariadb.start();
    const back = Date.now();
    const after = await settled(jobs.map((j) => j.id), 10_000);
    figures.settleMs.push(Date.now() - back);
    for (const j of after) expect(j, `job ${j.name}`).toMatchObject({ status: 'exited', reason: 'completed', exitCode: 0 });
    const a = await audit(api, dockerd.docker);
    expect(a.orphans, 'containers without a record').toEqual([]);
    expect(a.unsettled).toEqual([]);
    // Kept up by handling each failure, not by the process-level net.
    expect(await server.log()).not.toMatch(/unhandled promise rejection/);
  }, 180_000);

  it('frozen for 12 s while 4 launches fail (a registry answering 404 after 1.5 s): the server does not exit', async () => {
    notFound = createHttpServer((_req, res) => setTimeout(() => res.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}'), 1500));
    const port = await freePort();
    await new Promise<void>((r) => notFound!.listen(port, '127.0.0.1', r));
    const jobs = await Promise.all([1, 2, 3, 4].map((n) => api.call('job.create', spec(`nf${n}`, `127.0.0.1:${port}/cjm/nothing:${n}`, 'true'))));
    mariadb.freeze();
    figures.faults++;
    figures.jobs += jobs.length;
    await new Promise((r) => setTimeout(r, 12_000));
    const exitedDuring = server.child.exitCode !== null || server.child.signalCode !== null;
    mariadb.thaw();
    if (exitedDuring) figures.serverExits++;
    expect(exitedDuring, `the server exited: ${exitedDuring ? await server.log() : ''}`).toBe(false);

    const back = Date.now();
    const after = await settled(jobs.map((j) => j.id), 10_000);
    figures.settleMs.push(Date.now() - back);
    expect(await server.log()).not.toMatch(/unhandled promise rejection/);
    for (const j of after) expect(j, `job ${j.name}`).toMatchObject({ status: 'error', reason: expect.stringContaining(`127.0.0.1:${port}/cjm/nothing`) });
  }, 120_000);
});
