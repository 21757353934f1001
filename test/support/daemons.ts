// Private, throwaway daemons for the fault suite: a second MariaDB and a second dockerd, each in its
// own temporary directory with its own socket, so breaking them never disturbs the shared daemons
// other tests use. Everything they start is stopped by destroy(): processes (by the pids we spawned
// or that live under our directory), mounts under our directory, and the directory itself.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile, chown } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when pid is a live process (not gone, not a zombie: `kill -0` succeeds on zombies). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+[ZX]/m.test(status);
  } catch {
    return false;
  }
}

/** Pids of processes whose command line mentions dir: what our daemons spawned on their own
 * (containerd, shims), which live in process groups of their own. */
export async function processesUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replace(/\0/g, ' ');
      if (cmdline.includes(dir)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

export async function killAndWait(pids: number[], signal: NodeJS.Signals, timeoutMs: number): Promise<number[]> {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + timeoutMs;
  let alive = pids;
  while (Date.now() < deadline) {
    const states = await Promise.all(alive.map(async (p) => ((await isAlive(p)) ? p : null)));
    alive = states.filter((p): p is number => p !== null);
    if (alive.length === 0) return [];
    await sleep(50);
  }
  return alive;
}

/** Lazily unmounts everything mounted below dir (overlay layers, netns bind mounts), deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', ['-l', p]).catch(() => undefined);
}

export interface Spawned {
  child: ChildProcess;
  exited: Promise<void>;
}

// Each daemon gets a process group of its own (detached) so a stop reaches its helpers too; we are
// its parent, so Node reaps it and it never lingers as a zombie.
export function spawnDaemon(cmd: string, args: string[], logFile: string): Spawned {
  const child = spawn('sh', ['-c', 'exec "$0" "$@" >>"$CJM_DAEMON_LOG" 2>&1', cmd, ...args], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, CJM_DAEMON_LOG: logFile },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited };
}

export async function stopSpawned(s: Spawned | null, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  const pid = s.child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* group gone */
  }
  const done = await Promise.race([s.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  if (!done) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await s.exited;
  }
}

export async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return;
    await sleep(100);
  }
  const log = await readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`${what} not ready within ${timeoutMs} ms; log tail:\n${log.split('\n').slice(-15).join('\n')}`);
}

// ---------------------------------------------------------------- MariaDB

export interface PrivateMariaDb {
  readonly dir: string;
  readonly port: number;
  /** mysql://cjm:cjm@127.0.0.1:PORT/<database> */
  url(database: string): string;
  /** Creates an empty database (as root, over the socket) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  start(): Promise<void>;
  /** Clean shutdown (SIGTERM), waits until the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL, no clean shutdown. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server hangs with its sockets open, the nastiest kind of outage. */
  freeze(): void;
  thaw(): void;
  running(): boolean;
  destroy(): Promise<void>;
}

/** Initialises a data directory (mariadb-install-db), starts mariadbd on a free port and creates the
 * user cjm/cjm with ALL on cjm% databases, for 'cjm'@'127.0.0.1' and 'cjm'@'localhost'. */
export async function startPrivateMariaDb(): Promise<PrivateMariaDb> {
  const dir = await mkdtemp(join(tmpdir(), 'cjm-mariadb-'));
  await chown(dir, ...(await mysqlIds()));
  const port = await freePort();
  const log = join(dir, 'mariadbd.log');
  const socket = join(dir, 'mysqld.sock');
  await run('mariadb-install-db', [`--datadir=${dir}/data`, '--user=mysql', '--auth-root-authentication-method=socket', '--skip-test-db'], {
    timeout: 60_000,
  });
  const args = [
    '--no-defaults',
    `--datadir=${dir}/data`,
    '--user=mysql',
    `--port=${port}`,
    `--socket=${socket}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${dir}/mariadbd.pid`,
    `--log-error=${log}`,
    '--skip-log-bin',
    '--innodb-buffer-pool-size=32M',
  ];
  let proc: Spawned | null = null;
  const rootSql = (sql: string) => run('mariadb', [`--socket=${socket}`, '-uroot', '-e', sql], { timeout: 10_000 });

  async function start(): Promise<void> {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) return;
    proc = spawnDaemon('mariadbd', args, log);
    const p = proc;
    await waitUntil(
      'private mariadbd',
      async () => {
        if (p.child.exitCode !== null) throw new Error(`mariadbd exited with ${p.child.exitCode}`);
        await rootSql('SELECT 1');
        return true;
      },
      30_000,
      log,
    );
  }

  await start();
  const grants = ['127.0.0.1', 'localhost']
    .map((h) => `CREATE USER IF NOT EXISTS 'cjm'@'${h}' IDENTIFIED BY 'cjm'; GRANT ALL ON \`cjm%\`.* TO 'cjm'@'${h}';`)
    .join(' ');
  await rootSql(grants);

  const db: PrivateMariaDb = {
    dir,
    port,
    url: (database) => `mysql://cjm:cjm@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      await rootSql(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci`);
      return db.url(name);
    },
    start,
    async stop() {
      db.thaw();
      await stopSpawned(proc, 'SIGTERM', 30_000);
    },
    async kill() {
      db.thaw();
      await stopSpawned(proc, 'SIGKILL', 10_000);
    },
    async restart() {
      await db.stop();
      await start();
    },
    freeze() {
      if (proc?.child.pid) process.kill(proc.child.pid, 'SIGSTOP');
    },
    thaw() {
      if (proc?.child.pid && proc.child.exitCode === null) {
        try {
          process.kill(proc.child.pid, 'SIGCONT');
        } catch {
          /* gone */
        }
      }
    },
    running: () => proc !== null && proc.child.exitCode === null && proc.child.signalCode === null,
    async destroy() {
      await db.kill();
      await killAndWait(await processesUnder(dir), 'SIGKILL', 5000);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return db;
}

async function mysqlIds(): Promise<[number, number]> {
  const { stdout: uid } = await run('id', ['-u', 'mysql']);
  const { stdout: gid } = await run('id', ['-g', 'mysql']);
  return [Number(uid.trim()), Number(gid.trim())];
}

// ---------------------------------------------------------------- dockerd

export interface PrivateDockerdOptions {
  /** Images copied from the shared daemon (docker save | docker load). Default ['busybox:latest']. */
  images?: string[];
  /** Keep containers running while dockerd is down (Docker's live-restore). Default true: a
   * dockerd restart then leaves jobs running, as on a well-run host. */
  liveRestore?: boolean;
  /** Docker's default-address-pools for this daemon alone (e.g. a tiny one, to exhaust it). */
  defaultAddressPools?: { base: string; size: number }[];
}

export interface PrivateDockerd {
  readonly dir: string;
  /** unix:///.../docker.sock, for DOCKER_HOST. */
  readonly host: string;
  readonly socketPath: string;
  /** A client of this daemon. */
  readonly docker: Docker;
  start(): Promise<void>;
  /** SIGTERM and wait (dockerd stops its containerd; with live-restore containers keep running). */
  stop(): Promise<void>;
  /** SIGKILL dockerd alone, as in a crash (with live-restore the containers live on). */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT dockerd alone: it keeps its socket and answers nothing, not even /_ping,
   * while its containerd and containers run on. */
  freeze(): void;
  thaw(): void;
  running(): boolean;
  /** Removes every container, stops everything under dir, unmounts, deletes dir. */
  destroy(): Promise<void>;
}

/** Starts a second dockerd with its own socket, data-root, exec-root (so its own containerd under
 * <exec-root>/containerd), its own bridge interface and no iptables changes (bridged jobs get no
 * outside access; network 'none' jobs are unaffected).
 *
 * Never `--bridge=none`: dockerd then deletes the host's `docker0` interface (moby's
 * removeDefaultBridgeInterface), which is the SHARED daemon's bridge. Observed here; a guard below
 * checks docker0 is still there after every start and stop. */
export async function startPrivateDockerd(options: PrivateDockerdOptions = {}): Promise<PrivateDockerd> {
  const dir = await mkdtemp(join(tmpdir(), 'cjm-dockerd-'));
  const socketPath = join(dir, 'docker.sock');
  const log = join(dir, 'dockerd.log');
  const config = join(dir, 'daemon.json');
  // Our own (empty) config file: /etc/docker/daemon.json belongs to the shared daemon.
  await writeFile(
    config,
    JSON.stringify({ 'live-restore': options.liveRestore ?? true, ...(options.defaultAddressPools ? { 'default-address-pools': options.defaultAddressPools } : {}) }),
  );
  const bridge = `cjmb${randomBytes(3).toString('hex')}`;
  const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`;
  await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
  await run('ip', ['link', 'set', bridge, 'up']);
  const hadDocker0 = existsSync('/sys/class/net/docker0');
  const guardDocker0 = () => {
    if (hadDocker0 && !existsSync('/sys/class/net/docker0')) throw new Error('the private dockerd removed the shared docker0 bridge: recreate it (ip link add docker0 type bridge; ip addr add 172.17.0.1/16 dev docker0; ip link set docker0 up)');
  };
  const args = [
    `--config-file=${config}`,
    `--host=unix://${socketPath}`,
    `--data-root=${dir}/data`,
    `--exec-root=${dir}/exec`,
    `--pidfile=${dir}/docker.pid`,
    `--bridge=${bridge}`,
    '--iptables=false',
    '--ip-masq=false',
  ];
  const docker = new Docker({ socketPath });
  let proc: Spawned | null = null;

  async function start(): Promise<void> {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) return;
    // A killed dockerd leaves its pid file behind; a new one refuses to start over it.
    await rm(join(dir, 'docker.pid'), { force: true });
    // Its containerd dies with it and stays a zombie (PID 1 here does not reap), and `kill -0` on a
    // zombie succeeds: dockerd would wait for it forever. Drop the pid file unless it is really alive.
    const containerdPid = Number((await readFile(join(dir, 'exec/containerd/containerd.pid'), 'utf8').catch(() => '')).trim());
    if (!containerdPid || !(await isAlive(containerdPid))) await rm(join(dir, 'exec/containerd/containerd.pid'), { force: true });
    proc = spawnDaemon('dockerd', args, log);
    const p = proc;
    await waitUntil(
      'private dockerd',
      async () => {
        if (p.child.exitCode !== null) throw new Error(`dockerd exited with ${p.child.exitCode}`);
        await docker.ping();
        return true;
      },
      30_000,
      log,
    );
    guardDocker0();
  }

  await start();
  const shared = new Docker();
  for (const image of options.images ?? ['busybox:latest']) {
    const tar = await shared.getImage(image).get();
    const loaded = await docker.loadImage(tar);
    await new Promise<void>((resolve, reject) => {
      loaded.on('error', reject);
      loaded.on('end', () => resolve());
      loaded.resume();
    });
    await docker.getImage(image).inspect();
  }

  const d: PrivateDockerd = {
    dir,
    host: `unix://${socketPath}`,
    socketPath,
    docker,
    start,
    async stop() {
      d.thaw();
      await stopSpawned(proc, 'SIGTERM', 30_000);
      guardDocker0();
    },
    async kill() {
      d.thaw();
      if (proc?.child.pid && proc.child.exitCode === null) {
        try {
          process.kill(proc.child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await proc.exited;
      }
    },
    async restart() {
      await d.stop();
      await start();
    },
    freeze() {
      const pid = proc?.child.pid;
      if (!pid) return;
      process.kill(pid, 'SIGSTOP');
      // The stop lands asynchronously: a request sent at once may still be served by a thread not yet
      // stopped. Return only once the kernel says the process is stopped (T), at most 2 s.
      const until = Date.now() + 2000;
      while (Date.now() < until && !/^State:\s+T/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))) {
        /* a few ms at most */
      }
    },
    thaw() {
      if (proc?.child.pid && proc.child.exitCode === null) {
        try {
          process.kill(proc.child.pid, 'SIGCONT');
        } catch {
          /* gone */
        }
      }
    },
    running: () => proc !== null && proc.child.exitCode === null && proc.child.signalCode === null,
    async destroy() {
      d.thaw();
      // Containers outlive a stopped dockerd (live-restore): bring it back to remove them.
      if (!d.running()) await start().catch(() => undefined);
      if (d.running()) {
        const all = await docker.listContainers({ all: true }).catch(() => []);
        await Promise.all(all.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
        // Its networks' bridges live in the host's namespace and outlast the daemon: remove them.
        const networks = await docker.listNetworks().catch(() => []);
        const builtIn = new Set(['bridge', 'host', 'none']);
        await Promise.all(networks.filter((n) => !builtIn.has(n.Name)).map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
      }
      await stopSpawned(proc, 'SIGTERM', 30_000);
      const left = await killAndWait(await processesUnder(dir), 'SIGTERM', 5000);
      await killAndWait(left, 'SIGKILL', 5000);
      await unmountUnder(dir);
      await run('ip', ['link', 'del', bridge]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      guardDocker0();
    },
  };
  return d;
}
