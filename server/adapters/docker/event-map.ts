// Docker event JSON -> RuntimeEvent. Pure.
import type { RuntimeEvent } from '../../core/ports.js';
import { jobIdLabel } from './container-config.js';

export interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  id?: string;
  time?: number;
  timeNano?: number;
}

export function jobIdFromLabel(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return null;
  const n = Number(value);
  return n > 0 ? n : null;
}

export function mapDockerEvent(event: DockerEvent): RuntimeEvent | null {
  if (event.Type !== undefined && event.Type !== 'container') return null;
  const containerId = event.Actor?.ID ?? event.id;
  if (!containerId) return null;
  const attributes = event.Actor?.Attributes ?? {};
  const jobId = jobIdFromLabel(attributes[jobIdLabel]);
  switch (event.Action) {
    case 'start':
      return { type: 'start', containerId, jobId };
    case 'die': {
      const code = attributes['exitCode'];
      return { type: 'die', containerId, jobId, exitCode: code !== undefined && /^-?\d+$/.test(code) ? Number(code) : null };
    }
    case 'oom':
      return { type: 'oom', containerId, jobId };
    case 'destroy':
      return { type: 'destroy', containerId, jobId };
    default:
      return null;
  }
}

/** Splits a byte stream into lines across chunk boundaries. */
export function createLineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let rest = '';
  return (chunk) => {
    rest += chunk.toString();
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, i).trim();
      rest = rest.slice(i + 1);
      if (line) onLine(line);
    }
    // A single event line is small; a stream that never sends a newline is broken, not buffered forever.
    if (rest.length > 1024 * 1024) rest = '';
  };
}
