// A private two-node Docker Swarm for tests, after ../shared/recipes/swarm-two-node.sh: two extra
// dockerds, each in a network namespace of its own (joined by a bridge in a third, "hub", namespace,
// so the host's iptables are never involved), manager "a" and worker "b", beside the machine's own
// dockerd, which is never joined to anything. destroy() leaves nothing behind: processes, mounts,
// namespaces, cgroups and the directory go.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { isAlive, killAndWait, processesUnder, spawnDaemon, stopSpawned, unmountUnder, waitUntil, type Spawned } from './daemons.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type SwarmNodeName = 'a' | 'b';

export interface SwarmNode {
  readonly name: SwarmNodeName;
  readonly role: 'manager' | 'worker';
  /** Also the node's hostname in the swarm (each daemon has its own UTS namespace). */
  readonly hostname: string;
  readonly socketPath: string;
  /** unix:///.../docker.sock */
  readonly host: string;
  readonly docker: Docker;
  /** The swarm node ID. */
  readonly nodeId: string;
  /** SIGKILL of this node's dockerd alone, as in a crash (its containerd and shims stay). */
  kill(): Promise<void>;
}

export interface TestSwarm {
  readonly dir: string;
  readonly manager: SwarmNode;
  readonly worker: SwarmNode;
  /** The test image's ID, the same on both nodes. */
  readonly imageId: string;
  destroy(): Promise<void>;
}

export interface TestSwarmOptions {
  /** Copied from the machine's dockerd into both nodes (docker save | docker load). */
  image?: string;
  /** Swarm's dispatcher heartbeat: how soon a dead node is marked down. Default 1 s. */
  heartbeat?: string;
}

const nodeIp = (n: SwarmNodeName) => (n === 'a' ? '10.123.0.1' : '10.123.0.2');
const nodeBip = (n: SwarmNodeName) => (n === 'a' ? '10.124.1.1/24' : '10.124.2.1/24');

async function copyImage(from: Docker, to: Docker, image: string): Promise<void> {
  const stream = await to.loadImage(await from.getImage(image).get());
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('end', () => resolve());
    stream.resume();
  });
}

/** Starts the swarm (about 6 s). Call destroy() in afterAll even when a test failed. */
export async function startTestSwarm(options: TestSwarmOptions = {}): Promise<TestSwarm> {
  const image = options.image ?? 'busybox:latest';
  const dir = await mkdtemp(join(tmpdir(), 'cjm-swarm-'));
  // Names of namespaces and cgroup parents are global: unique per swarm, short for interface names.
  const prefix = `cjmsw${randomBytes(3).toString('hex')}`;
  const hub = `${prefix}-hub`;
  const netns = (n: SwarmNodeName) => `${prefix}-${n}`;
  const spawned = new Map<SwarmNodeName, Spawned>();
  let destroyed = false;

  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    for (const n of ['b', 'a'] as const) {
      const socketPath = join(dir, n, 'docker.sock');
      if (existsSync(socketPath)) await run('docker', ['-H', `unix://${socketPath}`, 'swarm', 'leave', '--force'], { timeout: 20_000 }).catch(() => undefined);
    }
    await Promise.all([...spawned.values()].map((s) => stopSpawned(s, 'SIGTERM', 20_000)));
    // Containers orphaned by a SIGKILLed dockerd live in our cgroup parents; shims and containerd
    // name our directory on their command line.
    const inCgroups: number[] = [];
    for (const n of ['a', 'b'] as const) {
      const parent = `/sys/fs/cgroup/pids/${prefix}-${n}`;
      for (const child of await readdir(parent).catch(() => [] as string[])) {
        const procs = await readFile(join(parent, child, 'cgroup.procs'), 'utf8').catch(() => '');
        inCgroups.push(...procs.split('\n').filter(Boolean).map(Number));
      }
    }
    await killAndWait([...inCgroups, ...(await processesUnder(dir))], 'SIGKILL', 5000);
    await unmountUnder(dir);
    for (const ns of [netns('a'), netns('b'), hub]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    for (const controller of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
      for (const n of ['a', 'b'] as const) await removeCgroupTree(join('/sys/fs/cgroup', controller, `${prefix}-${n}`));
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await run('ip', ['netns', 'add', hub]);
    await run('ip', ['-n', hub, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    await run('ip', ['-n', hub, 'link', 'set', 'br0', 'up']);
    for (const n of ['a', 'b'] as const) {
      await run('ip', ['netns', 'add', netns(n)]);
      await run('ip', ['-n', netns(n), 'link', 'set', 'lo', 'up']);
      // The veth pair goes straight between the node's and the hub's namespace: nothing on the host.
      await run('ip', ['-n', netns(n), 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `v${n}`, 'netns', hub]);
      await run('ip', ['-n', hub, 'link', 'set', `v${n}`, 'master', 'br0', 'up']);
      await run('ip', ['-n', netns(n), 'addr', 'add', `${nodeIp(n)}/24`, 'dev', 'eth0']);
      await run('ip', ['-n', netns(n), 'link', 'set', 'eth0', 'up']);
    }

    const startDaemon = async (n: SwarmNodeName): Promise<Docker> => {
      const d = join(dir, n);
      await mkdir(join(d, 'data'), { recursive: true });
      // Without our own config file dockerd reads /etc/docker/daemon.json, and without its own key
      // path it shares the machine's engine ID (daemon.json only in 20.10, no flag).
      await writeFile(join(d, 'daemon.json'), JSON.stringify({ 'deprecated-key-path': join(d, 'key.json') }));
      const socketPath = join(d, 'docker.sock');
      const dockerd = [
        'dockerd',
        `--config-file=${d}/daemon.json`,
        `--data-root=${d}/data`,
        `--exec-root=${d}/exec`,
        `--pidfile=${d}/dockerd.pid`,
        `--host=unix://${socketPath}`,
        `--cgroup-parent=/${prefix}-${n}`,
        `--bip=${nodeBip(n)}`,
        `--swarm-default-advertise-addr=${nodeIp(n)}`,
      ].join(' ');
      // nsenter --net, not `ip netns exec`: that remounts /sys and hides the cgroup mounts. Each
      // daemon gets its own UTS namespace, so node.hostname constraints can tell the nodes apart.
      const proc = spawnDaemon('nsenter', [`--net=/run/netns/${netns(n)}`, '--', 'unshare', '--uts', '--', 'sh', '-c', `hostname ${prefix}-${n} && exec ${dockerd}`], join(d, 'dockerd.log'));
      spawned.set(n, proc);
      const docker = new Docker({ socketPath });
      await waitUntil(
        `swarm node ${n}`,
        async () => {
          if (proc.child.exitCode !== null) throw new Error(`dockerd ${n} exited with ${proc.child.exitCode}`);
          await docker.ping();
          return true;
        },
        30_000,
        join(d, 'dockerd.log'),
      );
      return docker;
    };
    const [a, b] = await Promise.all([startDaemon('a'), startDaemon('b')]);

    const own = new Docker();
    await Promise.all([copyImage(own, a, image), copyImage(own, b, image)]);
    const [imageA, imageB] = await Promise.all([a.getImage(image).inspect(), b.getImage(image).inspect()]);
    if (imageA.Id !== imageB.Id) throw new Error(`${image} loaded with different IDs: ${imageA.Id} / ${imageB.Id}`);

    await a.swarmInit({ AdvertiseAddr: nodeIp('a'), ListenAddr: `${nodeIp('a')}:2377`, Spec: { Dispatcher: { HeartbeatPeriod: heartbeatNanos(options.heartbeat ?? '1s') } } });
    const swarm = (await a.swarmInspect()) as { JoinTokens: { Worker: string } };
    await b.swarmJoin({ AdvertiseAddr: nodeIp('b'), ListenAddr: `${nodeIp('b')}:2377`, RemoteAddrs: [`${nodeIp('a')}:2377`], JoinToken: swarm.JoinTokens.Worker });
    const nodeIdOf = async (docker: Docker) => ((await docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
    const [idA, idB] = await Promise.all([nodeIdOf(a), nodeIdOf(b)]);
    // The worker counts once the manager sees it ready.
    await waitUntil(
      'the worker joining',
      async () => {
        const nodes = (await a.listNodes()) as { ID: string; Status: { State: string } }[];
        return nodes.some((node) => node.ID === idB && node.Status.State === 'ready');
      },
      20_000,
      join(dir, 'a', 'dockerd.log'),
    );

    const node = (n: SwarmNodeName, docker: Docker, nodeId: string): SwarmNode => {
      const socketPath = join(dir, n, 'docker.sock');
      return {
        name: n,
        role: n === 'a' ? 'manager' : 'worker',
        hostname: `${prefix}-${n}`,
        socketPath,
        host: `unix://${socketPath}`,
        docker,
        nodeId,
        async kill() {
          const proc = spawned.get(n);
          const pid = proc?.child.pid;
          if (proc === undefined || pid === undefined || !(await isAlive(pid))) return;
          process.kill(pid, 'SIGKILL');
          await Promise.race([proc.exited, sleep(5000)]);
        },
      };
    };
    return { dir, manager: node('a', a, idA), worker: node('b', b, idB), imageId: imageA.Id, destroy };
  } catch (e) {
    await destroy();
    throw e;
  }
}

function heartbeatNanos(text: string): number {
  const m = /^(\d+)(ms|s)$/.exec(text);
  if (!m) throw new Error(`heartbeat must be like 1s or 500ms, got ${text}`);
  return Number(m[1]) * (m[2] === 'ms' ? 1e6 : 1e9);
}

/** rmdir of a cgroup directory and everything below it, deepest first (cgroupfs has no files to delete). */
async function removeCgroupTree(path: string): Promise<void> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => null);
  if (entries === null) return;
  for (const e of entries) if (e.isDirectory()) await removeCgroupTree(join(path, e.name));
  await rmdir(path).catch(() => undefined);
}
