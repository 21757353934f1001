// A swarm task (and the node it is on) -> ContainerState. Pure.
import type { ContainerState } from '../../core/ports.js';
import { dockerTime } from '../docker/container-state.js';

export interface SwarmTask {
  ID: string;
  ServiceID?: string;
  NodeID?: string;
  CreatedAt?: string;
  Version?: { Index?: number };
  DesiredState?: string;
  Status?: {
    Timestamp?: string;
    State?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

export interface SwarmNode {
  ID: string;
  Description?: { Hostname?: string; Resources?: { NanoCPUs?: number; MemoryBytes?: number } };
  Spec?: { Role?: string; Availability?: string };
  Status?: { State?: string };
}

/** Task states before the container runs (swarmkit's order). */
const beforeRunning = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);

/** The service's current task: the newest one (one replica with no restart has one). */
export function currentTask(tasks: readonly SwarmTask[]): SwarmTask | undefined {
  let best: SwarmTask | undefined;
  for (const t of tasks) if (best === undefined || (t.Version?.Index ?? 0) > (best.Version?.Index ?? 0)) best = t;
  return best;
}

const base = { running: false, oomKilled: false, startedAt: null, finishedAt: null, error: null, ip: null, exitCode: null } as const;

/** What the task says of the job. null: lost (its node is down, swarm orphaned the task, or took it
 * away from its node). A task that swarm rejected (before it ran, or when its container would not
 * start) reads as status 'rejected' with its error. `stopped`: cjm stopped the service (scaled it to
 * zero, see runtime.ts), so a task that is gone or never ran means the job is over, not waiting. */
export function taskState(task: SwarmTask | undefined, node: SwarmNode | undefined, stopped = false): ContainerState | null {
  if (task === undefined) return stopped ? { ...base, status: 'exited' } : { ...base, status: 'pending', progress: 'waiting for swarm to schedule the task' };
  const state = task.Status?.State ?? 'unknown';
  const at = dockerTime(task.Status?.Timestamp);
  if (state === 'orphaned') return null;
  if (beforeRunning.has(state)) {
    if (stopped) return { ...base, status: 'exited', finishedAt: at };
    // A task that fits nowhere stays pending with swarm's reason, e.g. "no suitable node
    // (insufficient resources on 2 nodes)".
    return { ...base, status: 'pending', progress: task.Status?.Err ? task.Status.Err : `swarm task ${state}` };
  }
  if (state === 'running') {
    // The manager keeps a task of a dead node "running": the node's state is the truth.
    if (node !== undefined && node.Status?.State === 'down') return null;
    return { ...base, running: true, status: 'running', startedAt: at };
  }
  const error = task.Status?.Err ?? task.Status?.Message ?? 'rejected by swarm';
  if (state === 'rejected') {
    // Taken away from a node that went down ("assigned node no longer meets constraints"): what
    // became of its container is unknown.
    if (task.Status?.ContainerStatus?.ContainerID && (node === undefined || node.Status?.State === 'down' || /no longer meets constraints/.test(error))) return null;
    return { ...base, status: 'rejected', finishedAt: at, error };
  }
  const exitCode = task.Status?.ContainerStatus?.ExitCode;
  return {
    ...base,
    status: 'exited',
    // complete shows no exit code: it is 0 by definition.
    exitCode: state === 'complete' ? 0 : typeof exitCode === 'number' ? exitCode : null,
    finishedAt: at,
    error: task.Status?.Err ?? null,
  };
}
