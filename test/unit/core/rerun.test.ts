import { describe, expect, it } from 'vitest';
import { rerunNames, specOfJob } from '../../../server/core/rerun.js';
import { jobNameSchema, jobSpecSchema } from '../../../server/protocol/index.js';
import { makeJob } from '../../support/job.js';

describe('rerunNames', () => {
  it('appends -2, -3, ... to a plain name', () => {
    expect(rerunNames('web', 3)).toEqual(['web-2', 'web-3', 'web-4']);
    expect(rerunNames('web', 2, 5)).toEqual(['web-7', 'web-8']);
  });

  it('continues a name that already ends in -N instead of stacking suffixes', () => {
    expect(rerunNames('web-2', 2)).toEqual(['web-3', 'web-4']);
    expect(rerunNames('web-9', 1)).toEqual(['web-10']);
    expect(rerunNames('web-1', 1)).toEqual(['web-2']);
    expect(rerunNames('a-b-41', 1)).toEqual(['a-b-42']);
  });

  it('treats -0N and a name without a dash as part of the name', () => {
    expect(rerunNames('run-07', 1)).toEqual(['run-07-2']);
    expect(rerunNames('2024', 1)).toEqual(['2024-2']);
  });

  it('cuts the base so every name fits 63 characters and stays a valid name', () => {
    const long = 'a'.repeat(63);
    const [two, ten] = [rerunNames(long, 1)[0]!, rerunNames(long, 1, 8)[0]!];
    expect(two).toBe(`${'a'.repeat(61)}-2`);
    expect(ten).toBe(`${'a'.repeat(60)}-10`);
    // Re-running the cut name continues its number rather than cutting again.
    expect(rerunNames(two, 1)).toEqual([`${'a'.repeat(61)}-3`]);
    for (const n of [two, ten, ...rerunNames(`${'b'.repeat(60)}-99`, 5)]) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(jobNameSchema.safeParse(n).success, n).toBe(true);
    }
  });
});

describe('specOfJob', () => {
  it('gives back the spec the job was created with, which validates as a JobSpec', () => {
    const job = makeJob({ cmd: 'echo hi', argv: null, env: { A: '1' }, network: 'none', timeoutSeconds: 30 });
    const spec = specOfJob(job);
    expect(spec).toEqual({
      name: 'hello', image: 'busybox', cmd: 'echo hi', cpus: 0.5, memoryMb: 128, ioWeight: 500, pidsLimit: 512,
      timeoutSeconds: 30, env: { A: '1' }, network: 'none', ports: [], constraints: [],
    });
    expect(jobSpecSchema.parse(spec)).toEqual(spec);
    expect(specOfJob(makeJob({ cmd: null, argv: ['/app', '-x'] }))).toMatchObject({ argv: ['/app', '-x'] });
    expect(specOfJob(makeJob({ cmd: null, argv: ['/app'] }))).not.toHaveProperty('cmd');
  });
});
