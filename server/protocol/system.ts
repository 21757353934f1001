import { z } from 'zod';

export const emptyParamsSchema = z.strictObject({});

export const systemInfoResultSchema = z.object({
  version: z.string(),
  docker: z.object({ version: z.string(), apiVersion: z.string() }),
  runtime: z.string().describe('OCI runtime and cgroup version, e.g. "runc, cgroup v1"'),
  capacity: z.object({ cpus: z.number(), memoryMb: z.number() }).describe('What the queue shares out: CJM_CAPACITY_CPUS / CJM_CAPACITY_MEMORY_MB, else the host\'s size'),
  allocated: z.object({ cpus: z.number(), memoryMb: z.number() }).describe('Reserved by running and starting jobs'),
  queued: z.number().int().describe('Jobs waiting for room'),
  enforcement: z.object({
    cpus: z.boolean(),
    memory: z.boolean(),
    ioWeight: z.boolean(),
    pids: z.boolean(),
    note: z.string().optional(),
  }),
  nodes: z
    .array(
      z.object({
        id: z.string(),
        hostname: z.string(),
        role: z.enum(['manager', 'worker']),
        state: z.string().describe('ready, down, unknown, disconnected'),
        availability: z.string().describe('active, pause, drain'),
        cpus: z.number(),
        memoryMb: z.number(),
      }),
    )
    .optional()
    .describe('The swarm nodes (CJM_RUNTIME=swarm only); capacity is then their sum'),
});
export type SystemInfo = z.infer<typeof systemInfoResultSchema>;

export const pingResultSchema = z.object({ ok: z.literal(true), time: z.string() });

export const authLoginParamsSchema = z.strictObject({ token: z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters') });
export const authLoginResultSchema = z.object({ user: z.string(), admin: z.boolean() });
export type Identity = z.infer<typeof authLoginResultSchema>;
