// Docker's inspect State -> ContainerState. Pure.
import type { ContainerState } from '../../core/ports.js';

export interface DockerState {
  Status?: string;
  Running?: boolean;
  ExitCode?: number;
  OOMKilled?: boolean;
  StartedAt?: string;
  FinishedAt?: string;
  Error?: string;
}

/** The address part of inspect's NetworkSettings: the default bridge's top-level IPAddress, or the
 * first network's entry under Networks (user-defined networks fill only those). */
export interface DockerNetworkSettings {
  IPAddress?: string;
  Networks?: Record<string, { IPAddress?: string } | null>;
}

export function containerIp(settings: DockerNetworkSettings | undefined): string | null {
  if (!settings) return null;
  if (settings.IPAddress) return settings.IPAddress;
  for (const net of Object.values(settings.Networks ?? {})) if (net?.IPAddress) return net.IPAddress;
  return null;
}

/** Docker writes "0001-01-01T00:00:00Z" for times that have not happened. */
export function dockerTime(text: string | undefined): Date | null {
  if (!text || text.startsWith('0001-')) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function containerState(state: DockerState, network?: DockerNetworkSettings): ContainerState {
  const status = state.Status ?? 'unknown';
  const finished = !state.Running && status !== 'created';
  return {
    running: state.Running === true,
    status,
    exitCode: finished && typeof state.ExitCode === 'number' ? state.ExitCode : null,
    oomKilled: state.OOMKilled === true,
    startedAt: dockerTime(state.StartedAt),
    finishedAt: dockerTime(state.FinishedAt),
    error: state.Error ? state.Error : null,
    // A stopped container keeps no address, but say so here rather than trust Docker to clear it.
    ip: state.Running === true ? containerIp(network) : null,
  };
}
