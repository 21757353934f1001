// Runs a log store capture in its own process so a test can SIGKILL it like a crashed server.
// Usage: tsx test/support/logs-capture-child.ts <dataDir> <jobId> <containerId>; prints "attached".
import { createFileLogStore } from '../../server/adapters/logs/index.js';
import { testDocker, testJob, silentLogger } from './docker.js';
import { logsRuntime, realClock } from './logs.js';

const [dataDir, jobId, containerId] = process.argv.slice(2);
if (!dataDir || !jobId || !containerId) throw new Error('usage: logs-capture-child <dataDir> <jobId> <containerId>');
const store = createFileLogStore(
  { runtime: logsRuntime(testDocker()), clock: realClock, logger: silentLogger },
  { dataDir, maxBytes: 64 * 1024 * 1024 },
);
await store.capture(testJob({ id: Number(jobId) }), containerId);
process.stdout.write('attached\n');
setInterval(() => undefined, 60_000);
