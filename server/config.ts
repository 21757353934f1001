// The server's configuration: read from the environment once, validated, frozen. Nothing else in the
// server reads process.env; main.ts passes it in, tests pass a plain object.
import { z } from 'zod';
import { parseMysqlUrl } from './adapters/mysql/url.js';

export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

export interface Listen {
  host: string;
  port: number;
}

export interface Config {
  readonly listen: Readonly<Listen>;
  readonly databaseUrl: string;
  /** Names this server's containers (label cjm.instance) so that servers sharing one dockerd never
   * reconcile away each other's jobs. Default: the database name. */
  readonly instance: string;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly adminUser: string;
  readonly logLevel: LogLevel;
  readonly logMaxBytes: number;
  /** Docker calls that create, start, stop or remove containers in flight at once; the rest wait. */
  readonly dockerConcurrency: number;
  /** The Docker daemon (or swarm manager) cjm talks to; unset: dockerode's default. */
  readonly dockerHost: string | undefined;
  /** docker: jobs are containers on DOCKER_HOST; swarm: services on the swarm DOCKER_HOST manages. */
  readonly runtime: 'docker' | 'swarm';
  /** Requests per second allowed per connection, and the burst; perSecond 0 turns the limit off. */
  readonly rateLimit: Readonly<{ perSecond: number; burst: number }>;
  /** Mark the web page's session cookie Secure (set when served over HTTPS). */
  readonly secureCookies: boolean;
  /** Per user, over pending + running jobs; exceeding one answers 4029. */
  readonly quotas: Readonly<{ jobs: number; cpus: number; memoryMb: number }>;
  /** What the queue shares out (CJM_CAPACITY_CPUS, CJM_CAPACITY_MEMORY_MB); unset parts are the host's. */
  readonly capacity: Readonly<{ cpus?: number; memoryMb?: number }>;
  /** CJM_QUEUE_BACKFILL_SECONDS in ms: how long a queued job that does not fit lets smaller ones start
   * past it (0: never). */
  readonly backfillWaitMs: number;
  /** CJM_RETENTION in ms: finished jobs older than this are removed; undefined keeps them forever. */
  readonly retentionMs: number | undefined;
  /** Jobs may open connections to the host's own addresses (cjm, MariaDB, Apache...); default no. */
  readonly jobsReachHost: boolean;
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

const MiB = 1024 * 1024;

/** The rule for user names (CJM_ADMIN_USER, `token create --user`). */
export const userNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,63}$/;

// host:port, host being a name, an IPv4 address or a bracketed IPv6 address.
const listenSchema = z.string().transform((s, ctx): Listen => {
  const m = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):([0-9]{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `must be host:port (e.g. 127.0.0.1:5000 or [::1]:5000), got ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
});

// The pool's own parser, so a URL that passes here is one the pool can use.
const databaseUrlSchema = z.string().superRefine((s, ctx) => {
  try {
    parseMysqlUrl(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

// The forms docker-modem understands.
const dockerHostSchema = z
  .string()
  .regex(/^(unix:\/\/\/\S+|tcp:\/\/[^/\s]+:[0-9]{1,5}\/?|ssh:\/\/\S+|npipe:\/\/\S+)$/, 'must be unix:///path/to/docker.sock, tcp://host:port or ssh://user@host');

const intSchema = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

// CPUs with decimals (1.5), as a job's cpus.
const cpusSchema = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?$/, 'must be a number of CPUs, decimals allowed (e.g. 2 or 1.5)')
  .transform(Number)
  .pipe(z.number().min(0.01, 'must be at least 0.01').max(1024, 'must be at most 1024'));

const durationUnitsMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const durationMaxMs = 3650 * durationUnitsMs.d;

// A whole number and a unit: 30m, 12h, 7d (s for tests).
const durationSchema = z.string().transform((s, ctx) => {
  const m = /^([1-9][0-9]{0,9})(s|m|h|d)$/.exec(s);
  const ms = m ? Number(m[1]) * durationUnitsMs[m[2] as keyof typeof durationUnitsMs] : NaN;
  if (!m || ms > durationMaxMs) {
    ctx.addIssue({ code: 'custom', message: `must be a whole number and a unit s, m, h or d, up to 3650d (e.g. 7d, 12h, 30m), got ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return ms;
});

const boolSchema = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((s) => s === 'true' || s === '1' || s === 'yes');

/** One entry per variable: its schema and default. Order is the order errors are reported in. */
const variables = {
  CJM_LISTEN: { schema: listenSchema, default: '127.0.0.1:5000' },
  CJM_DATABASE_URL: { schema: databaseUrlSchema, default: 'mysql://cjm:cjm@127.0.0.1:3306/cjm' },
  CJM_INSTANCE: { schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits or _ . -'), default: undefined },
  CJM_DATA_DIR: { schema: z.string().regex(/^\//, 'must be an absolute path'), default: '/var/lib/cjm' },
  CJM_ADMIN_TOKEN: {
    schema: z
      .string()
      .min(16, 'must be at least 16 characters (use `cjm-server token create` or `openssl rand -hex 24`)')
      .max(512, 'must be at most 512 characters')
      .regex(/^\S+$/, 'must not contain spaces'),
    default: undefined,
  },
  CJM_ADMIN_USER: { schema: z.string().regex(userNamePattern, 'must be 1-64 letters, digits or _ . @ -'), default: 'admin' },
  CJM_LOG_LEVEL: { schema: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }), default: 'info' },
  CJM_LOG_MAX_BYTES: { schema: intSchema(64 * 1024, 1024 * 1024 * MiB), default: String(64 * MiB) },
  CJM_RATE_LIMIT: { schema: intSchema(0, 1_000_000), default: '1000' },
  CJM_RATE_BURST: { schema: intSchema(1, 1_000_000), default: '2000' },
  CJM_SECURE_COOKIES: { schema: boolSchema, default: 'false' },
  CJM_QUOTA_JOBS: { schema: intSchema(1, 100_000), default: '50' },
  CJM_QUOTA_CPUS: { schema: intSchema(1, 100_000), default: '32' },
  CJM_QUOTA_MEMORY_MB: { schema: intSchema(6, 1024 * 1024 * 1024), default: '65536' },
  CJM_CAPACITY_CPUS: { schema: cpusSchema, default: undefined },
  CJM_CAPACITY_MEMORY_MB: { schema: intSchema(6, 4 * 1024 * 1024), default: undefined },
  CJM_QUEUE_BACKFILL_SECONDS: { schema: intSchema(0, 86_400), default: '60' },
  CJM_RETENTION: { schema: durationSchema, default: undefined },
  CJM_JOBS_REACH_HOST: { schema: boolSchema, default: 'false' },
  CJM_DOCKER_CONCURRENCY: { schema: intSchema(1, 256), default: '32' },
  DOCKER_HOST: { schema: dockerHostSchema, default: undefined },
  CJM_RUNTIME: { schema: z.enum(['docker', 'swarm'], { error: 'must be docker or swarm' }), default: 'docker' },
} as const;

type Variable = keyof typeof variables;

function read<V extends Variable>(env: NodeJS.ProcessEnv, name: V): z.output<(typeof variables)[V]['schema']> | undefined {
  const spec = variables[name];
  const raw = env[name];
  // An empty variable counts as unset, as shells make `VAR=` easy to leave behind.
  const value = raw === undefined || raw === '' ? spec.default : raw;
  if (value === undefined) return undefined;
  const parsed = (spec.schema as z.ZodType).safeParse(value);
  if (!parsed.success) throw new ConfigError(name, parsed.error.issues[0]?.message ?? 'invalid');
  return parsed.data as z.output<(typeof variables)[V]['schema']>;
}

function required<T>(value: T | undefined): T {
  // Every variable with a default yields a value; this only narrows the type.
  if (value === undefined) throw new Error('config default missing');
  return value;
}

/** Reads and validates the server's variables. Throws ConfigError (one line naming the variable). */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const config: Config = {
    listen: Object.freeze(required(read(env, 'CJM_LISTEN'))),
    databaseUrl: required(read(env, 'CJM_DATABASE_URL')),
    instance: read(env, 'CJM_INSTANCE') ?? new URL(required(read(env, 'CJM_DATABASE_URL'))).pathname.replace(/^\//, ''),
    dataDir: required(read(env, 'CJM_DATA_DIR')),
    adminToken: read(env, 'CJM_ADMIN_TOKEN'),
    adminUser: required(read(env, 'CJM_ADMIN_USER')),
    logLevel: required(read(env, 'CJM_LOG_LEVEL')),
    logMaxBytes: required(read(env, 'CJM_LOG_MAX_BYTES')),
    rateLimit: Object.freeze({ perSecond: required(read(env, 'CJM_RATE_LIMIT')), burst: required(read(env, 'CJM_RATE_BURST')) }),
    secureCookies: required(read(env, 'CJM_SECURE_COOKIES')),
    quotas: Object.freeze({
      jobs: required(read(env, 'CJM_QUOTA_JOBS')),
      cpus: required(read(env, 'CJM_QUOTA_CPUS')),
      memoryMb: required(read(env, 'CJM_QUOTA_MEMORY_MB')),
    }),
    capacity: Object.freeze({ cpus: read(env, 'CJM_CAPACITY_CPUS'), memoryMb: read(env, 'CJM_CAPACITY_MEMORY_MB') }),
    backfillWaitMs: required(read(env, 'CJM_QUEUE_BACKFILL_SECONDS')) * 1000,
    retentionMs: read(env, 'CJM_RETENTION'),
    jobsReachHost: required(read(env, 'CJM_JOBS_REACH_HOST')),
    dockerConcurrency: required(read(env, 'CJM_DOCKER_CONCURRENCY')),
    dockerHost: read(env, 'DOCKER_HOST'),
    runtime: required(read(env, 'CJM_RUNTIME')),
  };
  return Object.freeze(config);
}

/** The database URL with its password hidden, for log lines. */
export function redactDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable url)';
  }
}

/** The process's own environment: main.ts's one way in (nothing else reads process.env). */
export function loadConfigFromProcess(): Config {
  return loadConfig(process.env);
}
