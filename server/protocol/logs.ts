import { z } from 'zod';
import { jobIdSchema } from './job.js';

export const logStreams = ['stdout', 'stderr'] as const;
export type LogStream = (typeof logStreams)[number];

export const logLimits = { tailDefault: 20 * 1024, tailMax: 1024 * 1024 } as const;

export const jobLogsParamsSchema = z.strictObject({
  id: jobIdSchema,
  tailBytes: z
    .number()
    .int('must be a whole number')
    .min(0, `must be 0-${logLimits.tailMax}`)
    .max(logLimits.tailMax, `must be 0-${logLimits.tailMax}`)
    .default(logLimits.tailDefault),
  stream: z.enum(['all', 'stdout', 'stderr']).default('all'),
  timestamps: z.boolean().default(false).describe('Answer chunks, each with its time (at), split where the time changes; implies chunks: true'),
  chunks: z.boolean().default(false).describe('true: the tail as `chunks` (split by stream) instead of `text`'),
});

export const logChunkSchema = z.object({
  stream: z.enum(logStreams),
  text: z.string(),
  at: z.string().optional().describe('With timestamps: when cjm received the chunk\'s first byte (ISO 8601)'),
});
export type LogChunk = z.infer<typeof logChunkSchema>;

export const jobLogsResultSchema = z.object({
  id: z.number().int(),
  // The tail goes out once, in the form asked for: a 20 KiB tail in both forms was a 42 KB answer.
  text: z.string().optional().describe('The tail as one string (invalid UTF-8 shown as U+FFFD); absent with chunks or timestamps'),
  chunks: z.array(logChunkSchema).optional().describe('The tail split by stream, in order; only with chunks: true or timestamps: true'),
  size: z.number().int().describe('Total bytes of the log'),
  truncated: z.boolean().describe('True when text is not the whole log'),
});

export const jobFollowParamsSchema = z.strictObject({
  id: jobIdSchema,
  fromOffset: z.number().int('must be a whole number').min(0, 'must be 0 or more').optional().describe('Resume at this offset (the nextOffset last received); default: the current end'),
});
export const subscriptionResultSchema = z.object({ subscription: z.string() });
export const unfollowParamsSchema = z.strictObject({ subscription: z.string().min(1, 'must not be empty').max(100) });
export const okResultSchema = z.object({ ok: z.literal(true) });

export const jobStatsResultSchema = z.object({
  cpuPercent: z.number().describe('Percent of one CPU'),
  cpuPercentOfLimit: z.number().describe('Percent of the job\'s cpus limit'),
  memoryBytes: z.number(),
  memoryLimitBytes: z.number(),
  pids: z.number().int(),
  blkioReadBytes: z.number(),
  blkioWriteBytes: z.number(),
  at: z.string(),
});
export type JobStats = z.infer<typeof jobStatsResultSchema>;

/** Notification `job.log`: one chunk of output. `offset` is where `data` starts in the job's log;
 * resume a follow with `fromOffset: nextOffset`. */
export const jobLogNotificationSchema = z.object({
  subscription: z.string(),
  id: z.number().int(),
  stream: z.enum(logStreams),
  data: z.string(),
  offset: z.number().int(),
  nextOffset: z.number().int(),
  at: z.string().describe('When cjm received the first byte of data (ISO 8601)'),
});
export type JobLogNotification = z.infer<typeof jobLogNotificationSchema>;

/** Why a follow ended: see job.logEnd. */
export const logEndReasons = ['finished', 'dropped', 'removed'] as const;
export type LogEndReason = (typeof logEndReasons)[number];

/** Notification `job.logEnd`: the follow is over. `finished`: the job ended and all output was sent.
 * `dropped`: the client fell too far behind; follow again with `fromOffset: offset` to resume. */
export const jobLogEndNotificationSchema = z.object({
  subscription: z.string(),
  id: z.number().int(),
  offset: z.number().int(),
  reason: z.enum(logEndReasons),
});
export type JobLogEndNotification = z.infer<typeof jobLogEndNotificationSchema>;
