// Helpers for the log store's tests and bench: the two runtime methods it needs (on the real dockerd,
// through the real output adapter), busybox containers with labels, and a clock.
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { Clock, ContainerState, JobRuntime } from '../../server/core/ports.js';
import { dockerLogConfig } from '../../server/adapters/docker/container-config.js';
import { createOutputSource } from '../../server/adapters/docker/output.js';

export const realClock: Clock = {
  now: () => new Date(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export function logsRuntime(docker: Docker): Pick<JobRuntime, 'attachOutput' | 'inspect'> {
  return {
    attachOutput: (containerId, options) => createOutputSource(docker, containerId, options),
    async inspect(containerId): Promise<ContainerState | null> {
      try {
        const info = await docker.getContainer(containerId).inspect();
        const s = info.State;
        return {
          running: s.Running,
          status: s.Status,
          exitCode: s.Running ? null : s.ExitCode,
          oomKilled: s.OOMKilled,
          startedAt: s.StartedAt && !s.StartedAt.startsWith('0001') ? new Date(s.StartedAt) : null,
          finishedAt: s.FinishedAt && !s.FinishedAt.startsWith('0001') ? new Date(s.FinishedAt) : null,
          error: s.Error || null,
          ip: null,
        };
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
    },
  };
}

/** A created (not started) busybox container running `cmd` with sh -c, labelled cjm.managed=true and
 * cjm.test for cleanup. `managed: false` leaves out cjm.managed: a cjm server on this shared dockerd
 * that was started without an instance label reaps cjm.managed containers it has no record of. Its
 * log config is the server's for a cap of `logMaxBytes` (default 64 MiB), unless `logConfig` says
 * otherwise. */
export async function createShellContainer(
  docker: Docker,
  testLabel: string,
  cmd: string,
  options: { managed?: boolean; logMaxBytes?: number; logConfig?: { Type: string; Config: Record<string, string> } } = {},
): Promise<string> {
  const container = await docker.createContainer({
    Image: 'busybox:latest',
    name: `cjm-${testLabel}-${randomBytes(4).toString('hex')}`,
    Cmd: ['/bin/sh', '-c', cmd],
    Labels: { ...(options.managed === false ? {} : { 'cjm.managed': 'true' }), 'cjm.test': testLabel },
    HostConfig: { LogConfig: options.logConfig ?? dockerLogConfig(options.logMaxBytes ?? 64 * 1024 * 1024) },
  });
  return container.id;
}
