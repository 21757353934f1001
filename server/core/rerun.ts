// job.rerun: the spec of an existing job, and the names a re-run may take. Pure.
import { jobSpecSchema, limits, type Job, type JobSpec } from '../protocol/index.js';

/** The spec a job was created with (every JobSpec field the Job carries; null ones left out). */
export function specOfJob(job: Job): JobSpec {
  const spec: Record<string, unknown> = {};
  for (const key of Object.keys(jobSpecSchema.shape)) {
    const value = (job as Record<string, unknown>)[key];
    if (value !== null && value !== undefined) spec[key] = value;
  }
  return spec as JobSpec;
}

// A name that already ends in -N (N without a leading zero) is a re-run of its base: `web-2` -> `web-3`.
const numbered = /^(.+)-([1-9][0-9]{0,8})$/;

/** `count` names for a re-run of `name`, in order of preference: the base with -2, -3, ... (or from
 * N+1 when the name ends in -N), skipping `skip` of them; the base is cut so each fits nameMax. */
export function rerunNames(name: string, count: number, skip = 0): string[] {
  const m = numbered.exec(name);
  const base = m ? m[1]! : name;
  const first = Math.max(2, m ? Number(m[2]) + 1 : 2) + skip;
  const names: string[] = [];
  for (let n = first; n < first + count; n++) {
    const suffix = `-${n}`;
    names.push(`${base.slice(0, limits.nameMax - suffix.length)}${suffix}`);
  }
  return names;
}
