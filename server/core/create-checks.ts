// What job.create (and job.rerun) check before a job is stored: what the runtime cannot run (-32602),
// a job larger than the whole capacity or, under swarm, than every node (4029: it could only wait
// forever), and the per-user quotas
// (4029, policy). Reads the store and the runtime; changes nothing. Two parts: only the quota needs
// the user's create lock (it must see every insert before it), so Docker's ping stays outside it.
import { invalidParamsList, type InvalidParamsData, type JobSpec } from '../protocol/index.js';
import type { Resources } from './admission.js';
import type { Caller } from './api.js';
import { QuotaExceededError } from './errors.js';
import type { JobRuntime, JobStore } from './ports.js';

export interface Quotas {
  /** Pending + running jobs per user. */
  jobs: number;
  /** Sum of cpus over a user's pending + running jobs. */
  cpus: number;
  /** Sum of memoryMb over a user's pending + running jobs. */
  memoryMb: number;
}

export const defaultQuotas: Quotas = { jobs: 50, cpus: 32, memoryMb: 65536 };

export interface CreateChecksDeps {
  store: Pick<JobStore, 'usage'>;
  runtime: Pick<JobRuntime, 'ping' | 'unsupported' | 'placement'>;
  /** What admission shares out. */
  capacity(): Promise<Resources>;
  /** Under swarm, the nodes that take jobs now: a job is placed on one of them, whole. */
  nodes?(): Promise<NodeRoom[]>;
}

export interface NodeRoom extends Resources {
  hostname: string;
}

export interface CreateChecksOptions {
  quotas?: Partial<Quotas>;
  /** The parts of the capacity set by CJM_CAPACITY_* (named in the 4029 message). */
  configured?: Partial<Resources>;
}

export interface CreateChecks {
  /** Docker answers, the runtime can run the spec, and it fits the whole capacity. */
  runnable(spec: JobSpec): Promise<void>;
  /** The caller's quotas; run under the caller's create lock, right before the insert. */
  quota(caller: Caller, spec: JobSpec): Promise<void>;
}

export function createCreateChecks(deps: CreateChecksDeps, options: CreateChecksOptions = {}): CreateChecks {
  const { store, runtime, capacity } = deps;
  const quotas: Quotas = { ...defaultQuotas, ...options.quotas };
  async function runnable(spec: JobSpec): Promise<void> {
    await runtime.ping();
    const unsupported: InvalidParamsData[] = [...(runtime.unsupported?.(spec) ?? [])];
    if (spec.constraints.length > 0 && runtime.placement !== true) unsupported.push({ field: 'constraints', reason: 'placement constraints need the swarm runtime (CJM_RUNTIME=swarm)' });
    if (unsupported.length) throw invalidParamsList(unsupported);
    const whole = await capacity();
    const tooBig: string[] = [];
    const owner = runtime.placement === true ? "the swarm's ready nodes'" : "the host's";
    const source = (part: keyof Resources, variable: string, what: string) => (options.configured?.[part] === undefined ? `${owner} ${what}` : variable);
    if (spec.cpus > whole.cpus) tooBig.push(`cpus ${spec.cpus} > ${whole.cpus} (${source('cpus', 'CJM_CAPACITY_CPUS', 'CPUs')})`);
    if (spec.memoryMb > whole.memoryMb) tooBig.push(`memoryMb ${spec.memoryMb} > ${whole.memoryMb} (${source('memoryMb', 'CJM_CAPACITY_MEMORY_MB', 'memory')})`);
    if (tooBig.length) throw new QuotaExceededError(`Job larger than the whole capacity, it could never start: ${tooBig.join(', ')}`);
    // Swarm places a job on one node: room summed over nodes does not run it. With no node ready
    // it waits (a node may come back) rather than being refused.
    const nodes = runtime.placement === true ? ((await deps.nodes?.()) ?? []) : [];
    if (nodes.length > 0 && !nodes.some((n) => spec.cpus <= n.cpus && spec.memoryMb <= n.memoryMb)) {
      const sizes = nodes.map((n) => `${n.hostname} ${n.cpus} CPUs/${n.memoryMb} MB`).join(', ');
      throw new QuotaExceededError(`Job larger than any swarm node, it could never be placed: cpus ${spec.cpus}, memoryMb ${spec.memoryMb}; ready nodes: ${sizes}`);
    }
  }

  async function quota(caller: Caller, spec: JobSpec): Promise<void> {
    const usage = await store.usage(caller.user);
    const over = (what: string, used: number, asked: number, limit: number) =>
      new QuotaExceededError(`Quota exceeded: ${what}: ${caller.user} uses ${round(used)}, asks ${round(asked)} more, limit ${limit}`);
    if (usage.jobs + 1 > quotas.jobs) throw over('active jobs', usage.jobs, 1, quotas.jobs);
    if (usage.cpus + spec.cpus > quotas.cpus) throw over('cpus', usage.cpus, spec.cpus, quotas.cpus);
    if (usage.memoryMb + spec.memoryMb > quotas.memoryMb) throw over('memoryMb', usage.memoryMb, spec.memoryMb, quotas.memoryMb);
  }

  return { runnable, quota };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
