// Test helpers for the real dockerd: a client, jobs with unique names, and label-based cleanup.
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../server/core/ports.js';
import type { Job } from '../../server/protocol/index.js';
import { makeJob } from './job.js';

export function testDocker(): Docker {
  return process.env['DOCKER_HOST'] ? new Docker() : new Docker({ socketPath: '/var/run/docker.sock' });
}

/** A tag that keeps one test run's containers apart from everyone else's. */
export function testRunTag(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let nextId = 900_000_000 + Math.floor(Math.random() * 50_000_000);

/** A Job as core would hand it to the runtime; ids far above real ones so names never clash. */
export function testJob(overrides: Partial<Job> = {}, tag = 't'): Job {
  const id = nextId++;
  return makeJob({
    id,
    name: `${tag}-${id}`,
    image: 'busybox:latest',
    cmd: 'sleep 30',
    memoryMb: 64,
    pidsLimit: 64,
    status: 'pending',
    owner: 'test',
    createdAt: new Date().toISOString(),
    startedAt: null,
    containerId: null,
    ...overrides,
  });
}

/** Adds the cjm.test label to a container the runtime created, so cleanup finds it even if the
 * test dies between create and its own removal. Docker labels are fixed at create, so instead we
 * remember ids and remove by both. */
export async function removeContainers(docker: Docker, ids: Iterable<string>): Promise<void> {
  await Promise.all(
    [...ids].map((id) =>
      docker
        .getContainer(id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
}

export async function removeLabelled(docker: Docker, label: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  await removeContainers(
    docker,
    list.map((c) => c.Id),
  );
}

/** Runs a command in a container and returns its stdout (exec, not a shell on the host). */
export async function execIn(docker: Docker, containerId: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  // Demultiplex Docker's 8-byte frame headers; keep stdout (1) only.
  const all = Buffer.concat(chunks);
  let out = '';
  for (let pos = 0; pos + 8 <= all.length; ) {
    const size = all.readUInt32BE(pos + 4);
    if (all[pos] === 1) out += all.subarray(pos + 8, pos + 8 + size).toString();
    pos += 8 + size;
  }
  return out;
}

/** Polls until fn returns a value (not undefined) or the time is up. */
export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Demultiplexed stdout and stderr of a container, from Docker's json-file copy. */
export async function outputOf(docker: Docker, containerId: string): Promise<{ stdout: string; stderr: string }> {
  const raw = (await docker.getContainer(containerId).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  let stdout = '';
  let stderr = '';
  for (let pos = 0; pos + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(pos + 4);
    const text = raw.subarray(pos + 8, pos + 8 + size).toString();
    if (raw[pos] === 1) stdout += text;
    else stderr += text;
    pos += 8 + size;
  }
  return { stdout, stderr };
}

/** Removes every managed container whose name carries the run tag, then the parent cgroups of a
 * runtime whose instance is the tag (their containers went behind its back) and the user networks of
 * that instance: each holds one of dockerd's few address ranges. */
export async function removeTagged(docker: Docker, tag: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: ['cjm.managed=true'] } });
  await removeContainers(
    docker,
    list.filter((c) => c.Names.some((n) => n.includes(tag))).map((c) => c.Id),
  );
  const { createDockerRuntime } = await import('../../server/adapters/docker/index.js');
  await createDockerRuntime({ docker, logger: silentLogger }, { instance: tag }).listManaged();
  await removeInstanceNetworks(docker, tag);
}

/** Removes the per-user networks labelled with this cjm instance. */
export async function removeInstanceNetworks(docker: Docker, instance: string): Promise<void> {
  const networks = await docker.listNetworks({ filters: { label: ['cjm.managed=true', `cjm.instance=${instance}`] } });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
}

// ---------------------------------------------------------------- IO weight measurement (test + bench)

/** Runs fn with the disk's IO scheduler switched (and, for bfq, its low_latency heuristics off),
 * restoring the previous scheduler afterwards, even on failure. Keep fn short: other people's IO on
 * this disk runs under that scheduler meanwhile. low_latency raises the weight of any queue that just
 * started doing IO for its first seconds, which hides weights in a short measurement; a fresh switch
 * back to another scheduler discards the bfq settings, so nothing else needs restoring. */
export async function withScheduler<T>(disk: string, scheduler: string, fn: () => Promise<T>, options: { lowLatency?: boolean } = {}): Promise<T> {
  const { readFile, writeFile } = await import('node:fs/promises');
  const file = `/sys/block/${disk}/queue/scheduler`;
  const previous = /\[([^\]]+)\]/.exec(await readFile(file, 'utf8'))?.[1];
  if (!previous) throw new Error(`cannot read the scheduler of ${disk}`);
  await writeFile(file, scheduler);
  try {
    if (scheduler === 'bfq' && options.lowLatency === false) await writeFile(`/sys/block/${disk}/queue/iosched/low_latency`, '0');
    return await fn();
  } finally {
    await writeFile(file, previous);
  }
}

export interface WriterResult {
  ioWeight: number;
  /** Elapsed time of the write, measured inside the job. */
  seconds: number;
  /** Host uptime when the write began (shared clock across containers). */
  began: number;
  enforced: boolean;
  note?: string;
}

/** Two (or more) jobs, each writing `mb` MiB with direct IO into its writable layer (on the disk of
 * Docker's data root). By default they wait for one shared moment of the host's uptime (not
 * namespaced) to begin, so both write from the same instant. `atOnce`: each writes from its first
 * instruction (started together), so a weight applied only after start would miss the first writes. */
export async function raceWriters(
  runtime: import('../../server/core/ports.js').JobRuntime,
  docker: Docker,
  weights: number[],
  mb: number,
  tag: string,
  options: { atOnce?: boolean } = {},
): Promise<WriterResult[]> {
  const { readFile } = await import('node:fs/promises');
  const goAt = Math.ceil(Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0])) + 3;
  const script = [
    ...(options.atOnce ? [] : [`while [ "$(cut -d. -f1 /proc/uptime)" -lt ${goAt} ]; do sleep 0.02; done`]),
    "a=$(cut -d' ' -f1 /proc/uptime)",
    // Four writers per job keep its queue busy, so the share does not hinge on BFQ idling through
    // one writer's think time (which a loaded CPU stretches past slice_idle).
    `for i in 1 2 3 4; do dd if=/dev/zero of=/tmp/f$i bs=4M count=${Math.ceil(mb / 16)} oflag=direct 2>/dev/null & done; wait`,
    `echo "$a $(cut -d' ' -f1 /proc/uptime)"`,
  ].join('; ');
  const jobs = weights.map((ioWeight) => testJob({ ioWeight, network: 'none', cpus: 1, memoryMb: 64, cmd: script }, tag));
  const ids = await Promise.all(jobs.map((j) => runtime.create(j)));
  try {
    const enforced = await Promise.all(jobs.map(async (j, i) => (await runtime.start(ids[i]!, j)).enforced));
    await Promise.all(ids.map((id) => docker.getContainer(id).wait()));
    return await Promise.all(
      ids.map(async (id, i) => {
        // busybox dd reports no timing: the job prints /proc/uptime (10 ms steps) around it.
        const { stdout } = await outputOf(docker, id);
        const [from, to] = stdout.trim().split(' ').map(Number);
        const seconds = (to ?? NaN) - (from ?? NaN);
        if (!Number.isFinite(seconds)) throw new Error(`the writer did not report its time: ${stdout}`);
        return { ioWeight: weights[i]!, seconds, began: from!, enforced: enforced[i]!.ioWeight, ...(enforced[i]!.note ? { note: enforced[i]!.note } : {}) };
      }),
    );
  } finally {
    await removeContainers(docker, ids);
  }
}

export interface IoWeightRound {
  heavy: WriterResult;
  light: WriterResult;
  /** light seconds / heavy seconds: above 1 when the heavier weight finished first. */
  ratio: number;
}

/** Rounds of raceWriters with weights 1000 and 100. A round is run again (up to three times as many
 * attempts as rounds) when its writers did not start together (a loaded host can start a container
 * late, and a writer alone for a while says nothing about weights), or when another test's cleanup
 * removed one. `atOnce`: both write from their first instruction, so they cannot be lined up: a
 * round counts when the light writer began first or within 50 ms after the heavy one (a head start
 * of the light one only makes the heavy one's lead harder to win), and within 300 ms. */
export async function measureIoWeight(
  runtime: import('../../server/core/ports.js').JobRuntime,
  docker: Docker,
  options: { rounds: number; mb: number; tag: string; atOnce?: boolean; onDiscard?: (why: string) => void },
): Promise<IoWeightRound[]> {
  const rounds: IoWeightRound[] = [];
  for (let attempt = 0; rounds.length < options.rounds && attempt < options.rounds * 3; attempt++) {
    try {
      const [heavy, light] = await raceWriters(runtime, docker, [1000, 100], options.mb, options.tag, { atOnce: options.atOnce ?? false });
      const lightLater = light!.began - heavy!.began;
      if (options.atOnce ? lightLater > 0.05 || lightLater < -0.3 : Math.abs(lightLater) > 0.1) {
        options.onDiscard?.(`writers began ${Math.abs(lightLater).toFixed(2)} s apart`);
        continue;
      }
      rounds.push({ heavy: heavy!, light: light!, ratio: light!.seconds / heavy!.seconds });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404 && (err as { statusCode?: number }).statusCode !== 409) throw err;
      options.onDiscard?.('a writer was removed by someone else');
    }
  }
  if (rounds.length < options.rounds) throw new Error('the writers kept starting apart or disappearing during the IO weight measurement');
  return rounds;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
