// The swarm's changes as RuntimeEvents, by polling the task and node lists of the manager (Docker
// 20.10 emits no task events, and a node's death shows only as its state). A change of a job's task
// (or of its node) becomes `start` while the task is pending or running and `die` once it is over or
// lost; a service that disappears, `destroy`. `resync` after the first read and after every outage.
import type Docker from 'dockerode';
import type { Clock, Logger, RuntimeEvent, RuntimeEventStream } from '../../core/ports.js';
import { jobIdLabel, managedFilters } from '../docker/container-config.js';
import { jobIdFromLabel } from '../docker/event-map.js';
import { stoppedLabel } from './service-spec.js';
import { currentTask, taskState, type SwarmNode, type SwarmTask } from './task-state.js';

export interface TaskWatchOptions {
  pollMs: number;
  instance?: string;
}

export function watchTasks(
  deps: { docker: Docker; logger: Logger; clock: Clock },
  handler: (event: RuntimeEvent) => void,
  options: TaskWatchOptions,
): RuntimeEventStream {
  const { docker, logger, clock } = deps;
  let closed = false;
  let cancel: (() => void) | null = null;
  let healthy = false;
  /** Per service: what was last seen of its task and node, and its job. */
  let seen = new Map<string, { key: string; jobId: number | null }>();

  const emit = (event: RuntimeEvent) => {
    try {
      handler(event);
    } catch (err) {
      logger.error({ err, event }, 'runtime event handler threw');
    }
  };

  const poll = async () => {
    const [services, tasks, nodes] = await Promise.all([
      docker.listServices({ filters: { label: managedFilters(options.instance) } }) as Promise<{ ID: string; Spec?: { Labels?: Record<string, string> } }[]>,
      docker.listTasks() as Promise<SwarmTask[]>,
      docker.listNodes() as Promise<SwarmNode[]>,
    ]);
    const byService = new Map<string, SwarmTask[]>();
    for (const t of tasks) if (t.ServiceID) byService.set(t.ServiceID, [...(byService.get(t.ServiceID) ?? []), t]);
    const next = new Map<string, { key: string; jobId: number | null }>();
    for (const s of services) {
      const jobId = jobIdFromLabel(s.Spec?.Labels?.[jobIdLabel]);
      const task = currentTask(byService.get(s.ID) ?? []);
      const node = nodes.find((n) => n.ID === task?.NodeID);
      const stopped = s.Spec?.Labels?.[stoppedLabel] === 'true';
      const state = taskState(task, node, stopped);
      const key = `${task?.ID ?? ''}/${task?.Status?.State ?? ''}/${task?.Status?.Err ?? ''}/${node?.Status?.State ?? ''}/${stopped}`;
      next.set(s.ID, { key, jobId });
      const before = seen.get(s.ID);
      if (before?.key === key || (before === undefined && !healthy)) continue;
      const over = state === null || (!state.running && state.status !== 'pending');
      emit(over ? { type: 'die', containerId: s.ID, jobId, exitCode: state?.exitCode ?? null } : { type: 'start', containerId: s.ID, jobId });
    }
    for (const [id, before] of seen) if (!next.has(id)) emit({ type: 'destroy', containerId: id, jobId: before.jobId });
    seen = next;
  };

  const loop = () => {
    if (closed) return;
    poll()
      .then(() => {
        if (!healthy) {
          healthy = true;
          // What happened before now (or while the manager was unreachable) is for a reconcile.
          emit({ type: 'resync' });
        }
      })
      .catch((err: unknown) => {
        if (healthy) logger.warn({ err }, 'swarm task watch failed; retrying');
        healthy = false;
      })
      .finally(() => {
        if (!closed) cancel = clock.setTimer(options.pollMs, loop);
      });
  };
  loop();
  return {
    close() {
      closed = true;
      cancel?.();
    },
  };
}
