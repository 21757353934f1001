import { ErrorCode, isRpcError, jobDefaults, limits, validateParams, type Job, type JobSpecInput } from '#protocol';

// The create form: raw strings in, a JobSpec out, and errors placed next to the field they concern.

export const formFields = ['name', 'image', 'cmd', 'cpus', 'memoryMb', 'ioWeight', 'pidsLimit', 'timeoutSeconds', 'env', 'network', 'ports'] as const;
export type FormField = (typeof formFields)[number];

/** What the user typed, kept verbatim so a re-rendered form shows it again. */
export type JobFormValues = Record<FormField, string>;

export interface FormErrors {
  fields: Partial<Record<FormField, string>>;
  /** An error that belongs to no single field (quota, Docker down, ...). */
  general?: string;
}

export const emptyJobForm: JobFormValues = {
  name: '',
  image: 'busybox',
  cmd: '',
  cpus: String(jobDefaults.cpus),
  memoryMb: String(jobDefaults.memoryMb),
  ioWeight: String(jobDefaults.ioWeight),
  pidsLimit: String(limits.pidsLimitDefault),
  timeoutSeconds: '',
  env: '',
  network: 'bridge',
  ports: '',
};

/** A job's spec as the form shows it (Duplicate); the name is left for the user to choose. */
export function formValuesOfJob(job: Job): JobFormValues {
  return {
    name: '',
    image: job.image,
    // The form has the shell form only: an argv job comes back as its words joined.
    cmd: job.cmd ?? (job.argv ?? []).join(' '),
    cpus: String(job.cpus),
    memoryMb: String(job.memoryMb),
    ioWeight: String(job.ioWeight),
    pidsLimit: String(job.pidsLimit),
    timeoutSeconds: job.timeoutSeconds > 0 ? String(job.timeoutSeconds) : '',
    env: Object.entries(job.env).map(([k, v]) => `${k}=${v}`).join('\n'),
    network: job.network,
    ports: job.ports.join(', '),
  };
}

export function formValuesFrom(body: Record<string, unknown>): JobFormValues {
  const values = { ...emptyJobForm };
  for (const f of formFields) {
    const v = body[f];
    values[f] = typeof v === 'string' ? v : '';
  }
  return values;
}

export type ParsedForm = { ok: true; spec: JobSpecInput } | { ok: false; errors: FormErrors };

/** Converts what only the form knows about (numbers typed as text, KEY=VALUE lines); every other
 * rule is the server's, so its -32602 message is the one the user sees. */
export function parseJobForm(v: JobFormValues): ParsedForm {
  const fields: FormErrors['fields'] = {};
  const spec: Record<string, unknown> = { name: v.name.trim(), image: v.image.trim(), cmd: v.cmd };
  const numeric: [FormField, boolean][] = [
    ['cpus', true],
    ['memoryMb', true],
    ['ioWeight', false],
    ['pidsLimit', false],
    ['timeoutSeconds', false],
  ];
  for (const [f, required] of numeric) {
    const text = v[f].trim();
    if (text === '') {
      // Leave it out: a required field then gets the server's "is required", an optional its default.
      if (required) spec[f] = undefined;
      continue;
    }
    const n = Number(text);
    if (!Number.isFinite(n)) fields[f] = 'must be a number';
    else spec[f] = n;
  }
  const env = parseEnv(v.env);
  if (typeof env === 'string') fields.env = env;
  else spec.env = env;
  if (v.network === 'bridge' || v.network === 'none') spec.network = v.network;
  else fields.network = 'must be bridge or none';
  const ports = parsePorts(v.ports);
  if (typeof ports === 'string') fields.ports = ports;
  else if (ports.length > 0) spec.ports = ports;

  for (const k of Object.keys(spec)) if (spec[k] === undefined) delete spec[k];
  if (Object.keys(fields).length > 0) {
    // Mark the contract's complaints about the other fields too, in the same answer: the
    // contract's own validation, the one the server would run.
    try {
      validateParams('job.create', spec);
    } catch (e) {
      const server = errorsFromRpc(e);
      return { ok: false, errors: { fields: { ...server.fields, ...fields }, ...(server.general ? { general: server.general } : {}) } };
    }
    return { ok: false, errors: { fields } };
  }
  return { ok: true, spec: spec as JobSpecInput };
}

/** KEY=VALUE per line; blank lines and lines starting with # are ignored. Returns a message on error. */
export function parseEnv(text: string): Record<string, string> | string {
  const env: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return `line ${i + 1}: write KEY=VALUE`;
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return env;
}

/** TCP ports separated by commas or spaces (`80, 8000`); the range is the server's to check. */
export function parsePorts(text: string): number[] | string {
  const words = text.split(/[\s,]+/).filter((w) => w !== '');
  if (words.some((w) => !/^[0-9]{1,6}$/.test(w))) return 'must be port numbers separated by commas, e.g. 80, 8000';
  return words.map(Number);
}

/** Where a server error goes on the form. */
export function errorsFromRpc(e: unknown): FormErrors {
  if (!isRpcError(e)) return { fields: {}, general: 'The server could not create the job. Try again.' };
  if (e.code === ErrorCode.InvalidParams) {
    // data.errors names every bad field at once (contract v1.1); field/reason only the first.
    const data = e.data as { field?: unknown; reason?: unknown; errors?: unknown } | undefined;
    const list = Array.isArray(data?.errors) ? (data.errors as { field?: unknown; reason?: unknown }[]) : [data ?? {}];
    const fields: FormErrors['fields'] = {};
    const other: string[] = [];
    for (const p of list) {
      const path = typeof p.field === 'string' ? p.field : undefined;
      const reason = typeof p.reason === 'string' ? p.reason : e.message;
      const field = path ? fieldFor(path) : undefined;
      if (field) fields[field] ??= reason;
      else other.push(`${path ? `${path}: ` : ''}${reason}`);
    }
    return other.length ? { fields, general: other.join('; ') } : { fields };
  }
  if (e.code === ErrorCode.NameTaken) return { fields: { name: 'is already taken by another job; choose another name' } };
  if (e.code === ErrorCode.QuotaExceeded) return { fields: {}, general: `Quota exceeded: ${e.message}` };
  if (e.code === ErrorCode.DockerUnavailable) return { fields: {}, general: 'Docker is unreachable on the server right now; nothing was created. Try again shortly.' };
  if (e.code === ErrorCode.DatabaseUnavailable) return { fields: {}, general: 'The database is unreachable right now; nothing was created. Try again shortly.' };
  return { fields: {}, general: e.message };
}

/** Maps a server field path (`env.FOO`, `argv.0`) to the form input that produced it. */
export function fieldFor(path: string): FormField | undefined {
  const head = path.split('.')[0] ?? '';
  if (head === 'argv') return 'cmd';
  return (formFields as readonly string[]).includes(head) ? (head as FormField) : undefined;
}
