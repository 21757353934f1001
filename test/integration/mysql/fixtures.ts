// Shared by the mysql integration tests: a NewJob builder and a logger that records.
import type { Logger, NewJob } from '../../../server/core/ports.js';

let counter = 0;

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  counter += 1;
  return {
    name: `job-${process.pid}-${counter}`,
    image: 'busybox:latest',
    cmd: 'echo hello; sleep 1',
    argv: undefined,
    cpus: 0.5,
    memoryMb: 64,
    ioWeight: 500,
    pidsLimit: 512,
    timeoutSeconds: 0,
    env: {},
    network: 'bridge',
    ports: [],
    owner: 'alice',
    createdAt: new Date(),
    ...overrides,
  };
}

export function recordingLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}
