import { z } from 'zod';

// Field limits. Host-dependent ceilings (cpus, memory) are checked again by the server against
// system capacity; these are the absolute bounds any server accepts.
export const limits = {
  nameMax: 63,
  imageMax: 255,
  cmdMax: 8192,
  argvMax: 256,
  argMax: 4096,
  envMax: 128,
  envValueMax: 4096,
  cpusMin: 0.01,
  cpusMax: 1024,
  memoryMbMin: 6,
  memoryMbMax: 4 * 1024 * 1024,
  ioWeightMin: 10,
  ioWeightMax: 1000,
  ioWeightDefault: 500,
  pidsLimitDefault: 512,
  pidsLimitMax: 32768,
  timeoutSecondsMax: 30 * 24 * 3600,
  olderThanSecondsMax: 10 * 365 * 24 * 3600,
  portsMax: 16,
  constraintsMax: 16,
  constraintMax: 256,
  /** job.list {count, search} counts matches up to this many (totalCapped past it). */
  searchCountCap: 1000,
} as const;

/** What a new job gets when its creator says nothing else: one default for every client's form
 * (web, TUI), so the same job is not 256 MB in one place and 128 MB in another. */
export const jobDefaults = { memoryMb: 256, cpus: 0.5, ioWeight: limits.ioWeightDefault } as const;

export const jobStatuses = ['pending', 'running', 'exited', 'error'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export const exitReasons = ['completed', 'failed', 'oom_killed', 'timed_out', 'stopped', 'lost'] as const;
export type ExitReason = (typeof exitReasons)[number];

const noNul = (s: string) => !s.includes('\0');

export const jobNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'must be 1-63 characters: letters, digits, and _ . - (not first)')
  .describe('Unique job name');

// Docker reference: [registry[:port]/]path[:tag][@sha256:digest], path lower-case.
const imageRef =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const imageSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(limits.imageMax, `must be at most ${limits.imageMax} characters`)
  .regex(imageRef, 'must be an image reference like busybox, alpine:3.19 or host:5001/team/app:tag')
  .describe('Docker image reference');

export const envSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'names must be letters, digits and _, not starting with a digit'),
    z.string().max(limits.envValueMax, `values must be at most ${limits.envValueMax} characters`).refine(noNul, 'values must not contain NUL'),
  )
  .refine((r) => Object.keys(r).length <= limits.envMax, `at most ${limits.envMax} variables`)
  .describe('Environment variables');

/** What `docker service create --constraint` accepts (swarmkit's constraint parser), kept to the
 * characters a label key or value has in practice. */
export const placementConstraint =
  /^\s*(node\.(id|hostname|role|platform\.os|platform\.arch)|(node|engine)\.labels\.[A-Za-z0-9][A-Za-z0-9_.-]*)\s*(==|!=)\s*[A-Za-z0-9_.@:/-]+\s*$/;

export const jobSpecSchema = z
  .strictObject({
    name: jobNameSchema,
    image: imageSchema,
    cmd: z
      .string()
      .min(1, 'must not be empty')
      .max(limits.cmdMax, `must be at most ${limits.cmdMax} characters`)
      .refine((s) => s.trim().length > 0, 'must not be blank')
      .refine(noNul, 'must not contain NUL')
      .optional()
      .describe('Shell command, run with /bin/sh -c'),
    argv: z
      .array(z.string().max(limits.argMax, `each argument at most ${limits.argMax} characters`).refine(noNul, 'must not contain NUL'))
      .min(1, 'must have at least one element')
      .max(limits.argvMax, `at most ${limits.argvMax} arguments`)
      .refine((a) => (a[0] ?? '').length > 0, 'the program (first element) must not be empty')
      .optional()
      .describe('Exec-form command, for images without a shell'),
    cpus: z
      .number()
      .min(limits.cpusMin, `must be at least ${limits.cpusMin}`)
      .max(limits.cpusMax, `must be at most ${limits.cpusMax}`)
      .describe('CPUs, decimals allowed (0.5)'),
    memoryMb: z
      .number()
      .int('must be a whole number of MB')
      .min(limits.memoryMbMin, `must be at least ${limits.memoryMbMin}`)
      .max(limits.memoryMbMax, `must be at most ${limits.memoryMbMax}`)
      .describe('Memory limit in MB; no swap beyond it'),
    ioWeight: z
      .number()
      .int('must be a whole number')
      .min(limits.ioWeightMin, `must be between ${limits.ioWeightMin} and ${limits.ioWeightMax}`)
      .max(limits.ioWeightMax, `must be between ${limits.ioWeightMin} and ${limits.ioWeightMax}`)
      .default(limits.ioWeightDefault)
      .describe('Block IO weight 10-1000'),
    pidsLimit: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(limits.pidsLimitMax, `must be at most ${limits.pidsLimitMax}`)
      .default(limits.pidsLimitDefault)
      .describe('Maximum number of processes'),
    timeoutSeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(0, 'must be 0 (none) or more')
      .max(limits.timeoutSecondsMax, `must be at most ${limits.timeoutSecondsMax}`)
      .default(0)
      .describe('Wall-clock limit in seconds; 0 = none'),
    env: envSchema.default({}),
    network: z.enum(['bridge', 'none']).default('bridge').describe('Container network'),
    ports: z
      .array(z.number().int('must be whole numbers').min(1, 'must be TCP ports 1-65535').max(65535, 'must be TCP ports 1-65535'))
      .max(limits.portsMax, `at most ${limits.portsMax} ports`)
      .refine((a) => new Set(a).size === a.length, 'must not repeat a port')
      // The refinement, for the OpenRPC document (zod cannot see into it).
      .meta({ uniqueItems: true })
      .default([])
      .describe('Container TCP ports the server proxies at /jobs/<id>/ports/<port>/'),
    constraints: z
      .array(
        z
          .string()
          .max(limits.constraintMax, `each at most ${limits.constraintMax} characters`)
          .regex(placementConstraint, 'must be a swarm placement expression: node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.<key> or engine.labels.<key>, then == or !=, then a value (e.g. node.labels.gpu==yes)'),
      )
      .max(limits.constraintsMax, `at most ${limits.constraintsMax} constraints`)
      .default([])
      .describe('Swarm placement expressions (CJM_RUNTIME=swarm only), e.g. node.hostname==w1'),
  })
  .superRefine((spec, ctx) => {
    if (spec.ports.length > 0 && spec.network === 'none') {
      ctx.addIssue({ code: 'custom', path: ['ports'], message: 'needs network "bridge": a job without a network has no ports to reach' });
    }
    if (spec.cmd === undefined && spec.argv === undefined) {
      ctx.addIssue({ code: 'custom', path: ['cmd'], message: 'give a command: cmd (shell string) or argv (array)' });
    } else if (spec.cmd !== undefined && spec.argv !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['argv'], message: 'give cmd or argv, not both' });
    }
  })
  // The rules above, for the OpenRPC document (zod cannot see into a refinement).
  .meta({
    oneOf: [{ required: ['cmd'] }, { required: ['argv'] }],
    if: { properties: { network: { const: 'none' } }, required: ['network'] },
    then: { properties: { ports: { maxItems: 0 } } },
  });

/** What a client sends. */
export type JobSpecInput = z.input<typeof jobSpecSchema>;
/** A validated spec with defaults filled in. */
export type JobSpec = z.output<typeof jobSpecSchema>;

export const enforcedSchema = z.object({
  cpus: z.boolean(),
  memory: z.boolean(),
  ioWeight: z.boolean(),
  pids: z.boolean(),
  note: z.string().optional().describe('Why a limit is not verified in effect'),
});
export type Enforced = z.infer<typeof enforcedSchema>;

export const endpointSchema = z.object({
  port: z.number().int(),
  path: z.string().describe('/jobs/<id>/ports/<port>/ on the server (HTTP and WebSocket)'),
});
export type Endpoint = z.infer<typeof endpointSchema>;

/** Where the server proxies a job's port; the one place that spells the path. */
export function endpointPath(id: number, port: number): string {
  return `/jobs/${id}/ports/${port}/`;
}

export function endpointsOf(id: number, ports: readonly number[]): Endpoint[] {
  return ports.map((port) => ({ port, path: endpointPath(id, port) }));
}

const isoDate = z.string().describe('ISO 8601 time');

export const jobSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  image: z.string(),
  cmd: z.string().nullable(),
  argv: z.array(z.string()).nullable(),
  cpus: z.number(),
  memoryMb: z.number().int(),
  ioWeight: z.number().int(),
  pidsLimit: z.number().int(),
  timeoutSeconds: z.number().int(),
  env: z.record(z.string(), z.string()),
  network: z.enum(['bridge', 'none']),
  ports: z.array(z.number().int()),
  constraints: z.array(z.string()).describe('Swarm placement expressions (swarm runtime only)'),
  status: z.enum(jobStatuses),
  reason: z.string().nullable().describe('exited: completed|failed|oom_killed|timed_out|stopped|lost; error: a message'),
  exitCode: z.number().int().nullable(),
  owner: z.string(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  containerId: z.string().nullable(),
  enforced: enforcedSchema.nullable(),
  progress: z.string().nullable().describe('What a pending job is doing, e.g. "pulling image 45%"; "stopping" on a job being stopped or killed'),
  ip: z.string().nullable().describe('The container\'s bridge address while it runs, else null'),
  endpoints: z.array(endpointSchema).describe('Where the server proxies each of ports (owner or admin only)'),
});
export type Job = z.infer<typeof jobSchema>;

export const jobIdSchema = z.number({ error: 'must be a job id (a positive integer)' }).int('must be a job id (a positive integer)').positive('must be a job id (a positive integer)');

export const jobListParamsSchema = z.strictObject({
  status: z.enum(jobStatuses).optional(),
  search: z.string().max(200, 'must be at most 200 characters').optional().describe('Substring of name or image'),
  limit: z.number().int('must be a whole number').min(1, 'must be 1-500').max(500, 'must be 1-500').default(50),
  cursor: z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a nextCursor from a previous page').nullable().optional().describe('nextCursor of the previous page'),
  count: z
    .boolean({ error: 'must be true or false' })
    .default(false)
    .describe('Also count the jobs that match (the same owner, status and search), regardless of the cursor: the result\'s total'),
});
export const jobListResultSchema = z.object({
  jobs: z.array(jobSchema),
  nextCursor: z.string().nullable(),
  total: z
    .number()
    .int()
    .nullable()
    .describe('With count: true, how many jobs paging from the first page to the last would list (at least this many when totalCapped); null when not asked'),
  totalCapped: z
    .boolean()
    .describe(`True when the count of a search stopped at ${limits.searchCountCap} matches: there are total or more. Counts without a search are exact`),
});

export const jobIdParamsSchema = z.strictObject({ id: jobIdSchema });
export const jobStopParamsSchema = z.strictObject({
  id: jobIdSchema,
  timeoutSeconds: z.number().int('must be a whole number').min(0, 'must be 0-300').max(300, 'must be 0-300').default(10),
});
export const jobRemoveResultSchema = z.object({ id: z.number().int(), removed: z.literal(true) });

export const jobRerunParamsSchema = z.strictObject({
  id: jobIdSchema,
  name: jobNameSchema.optional().describe("The new job's name; default: the original's with the next free -2, -3, ... suffix"),
});

/** Finished statuses job.removeMany clears. */
export const finishedStatuses = ['exited', 'error'] as const;
export type FinishedStatus = (typeof finishedStatuses)[number];

export const jobRemoveManyParamsSchema = z.strictObject({
  status: z.enum(finishedStatuses),
  olderThanSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 or more')
    .max(limits.olderThanSecondsMax, `must be at most ${limits.olderThanSecondsMax} (10 years)`)
    .optional()
    .describe('Only jobs that finished at least this long ago; default: all of them'),
});
export const jobRemoveManyResultSchema = z.object({ removed: z.array(z.number().int()).describe('Ids of the removed jobs') });
