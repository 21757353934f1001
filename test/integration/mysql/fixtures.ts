// Shared by the mysql integration tests: a NewJob builder and a logger that records.
import type { Logger } from '../../../server/core/ports.js';

export { newJob } from '../../support/job.js';

export function recordingLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}
