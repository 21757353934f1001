import { jobDefaults, limits, type InvalidParamsData, type Job, type JobSpecInput } from '#protocol';
import { commandLine } from './format.js';

// The create form as a pure model: typed values, the focused field and errors per field. Errors come
// from the form's own parsing (a number that is not one) or from the server's -32602 `data.errors`,
// each mapped back to the field the person typed into. Values survive every error.

export const formFields = [
  { key: 'name', label: 'Name', initial: '' },
  { key: 'image', label: 'Image', initial: 'busybox' },
  { key: 'command', label: 'Command', initial: '' },
  { key: 'cpus', label: 'CPUs', initial: String(jobDefaults.cpus) },
  { key: 'memoryMb', label: 'Memory MB', initial: String(jobDefaults.memoryMb) },
  { key: 'ioWeight', label: 'IO weight', initial: String(jobDefaults.ioWeight) },
  { key: 'pidsLimit', label: 'Max PIDs', initial: String(limits.pidsLimitDefault) },
  { key: 'timeout', label: 'Timeout s', initial: '0' },
  { key: 'env', label: 'Env', initial: '' },
  { key: 'ports', label: 'Ports', initial: '' },
  { key: 'network', label: 'Network', initial: 'bridge' },
] as const;

export type FieldKey = (typeof formFields)[number]['key'];
export type FormValues = Record<FieldKey, string>;

/** The README's four examples, one keypress away (Ctrl-P cycles through them). */
export const presets: readonly { label: string; values: Partial<FormValues> }[] = [
  { label: 'hello, then wait', values: { name: 'teste-hello', image: 'busybox', command: 'echo "Hello from Cloud Job Manager!" && sleep 60', cpus: '0.5', memoryMb: '128', ioWeight: '500', timeout: '0' } },
  { label: 'web server', values: { name: 'webserver', image: 'busybox', command: 'httpd -f -p 8000', cpus: '1', memoryMb: '256', ioWeight: '700', timeout: '0', ports: '8000' } },
  { label: 'date every 5 s', values: { name: 'monitor-time', image: 'busybox', command: 'while true; do date; sleep 5; done', cpus: '0.2', memoryMb: '64', ioWeight: '300', timeout: '0' } },
  { label: 'CPU-bound, 30 s', values: { name: 'stress-test', image: 'busybox', command: 'while :; do :; done', cpus: '0.5', memoryMb: '256', ioWeight: '500', timeout: '30' } },
];

export interface FormState {
  values: FormValues;
  focus: number;
  errors: Partial<Record<FieldKey, string>>;
  /** An error that belongs to no field (quota, name taken is mapped to name, Docker down...). */
  message: string | undefined;
  submitting: boolean;
  /** Esc on a form with typing in it asks first: y discards, any other key goes back to it. */
  discarding: boolean;
  /** The values it opened with, to know whether Esc would lose anything. */
  initial: FormValues;
  /** The preset Ctrl-P put in last (-1: none). */
  preset: number;
  /** Set when the form is a clone: the job it came from. */
  cloneOf?: number;
}

const blank = (): FormValues => Object.fromEntries(formFields.map((f) => [f.key, f.initial])) as FormValues;

export function createFormState(prefill: Partial<FormValues> = {}, cloneOf?: number): FormState {
  const values = { ...blank(), ...prefill };
  return { values, focus: 0, errors: {}, message: undefined, submitting: false, discarding: false, initial: values, preset: -1, ...(cloneOf === undefined ? {} : { cloneOf }) };
}

/** `c`: the form filled from a job, under the next free `-2`, `-3`... name. */
export function cloneForm(job: Job & { ports?: number[] }, taken: (name: string) => boolean): FormState {
  const base = job.name.replace(/-\d+$/, '');
  let n = 2;
  while (taken(`${base}-${n}`)) n++;
  return createFormState(
    {
      name: `${base}-${n}`,
      image: job.image,
      command: commandLine(job),
      cpus: String(job.cpus),
      memoryMb: String(job.memoryMb),
      ioWeight: String(job.ioWeight),
      pidsLimit: String(job.pidsLimit),
      timeout: String(job.timeoutSeconds),
      env: Object.entries(job.env).map(([k, v]) => `${k}=${v}`).join(' '),
      ports: (job.ports ?? []).join(' '),
      network: job.network,
    },
    job.id,
  );
}

export function isDirty(state: FormState): boolean {
  return formFields.some((f) => state.values[f.key] !== state.initial[f.key]);
}

export function focusedKey(state: FormState): FieldKey {
  return formFields[state.focus]?.key ?? 'name';
}

/** One key into the form. Enter moves to the next field and submits on the last one; Ctrl-S submits
 * from anywhere; Ctrl-P fills in the next README example; Esc is 'cancel' (the form mode asks first
 * when something was typed). */
export function formKey(state: FormState, key: string, ch: string | undefined): { state: FormState; intent?: 'submit' | 'cancel' } {
  const k = focusedKey(state);
  const value = state.values[k];
  const set = (v: string): FormState => ({ ...state, values: { ...state.values, [k]: v } });
  switch (key) {
    case 'escape':
      return { state, intent: 'cancel' };
    case 'enter':
      if (state.focus < formFields.length - 1) return { state: { ...state, focus: state.focus + 1 } };
      return { state, intent: 'submit' };
    case 'C-s':
      return { state, intent: 'submit' };
    case 'C-p': {
      const preset = (state.preset + 1) % presets.length;
      return { state: { ...state, preset, values: { ...blank(), ...presets[preset]?.values }, errors: {}, message: undefined } };
    }
    case 'tab':
    case 'down':
      return { state: { ...state, focus: (state.focus + 1) % formFields.length } };
    case 'S-tab':
    case 'up':
      return { state: { ...state, focus: (state.focus - 1 + formFields.length) % formFields.length } };
    case 'backspace':
      return { state: set(value.slice(0, -1)) };
    case 'C-u':
      return { state: set('') };
    case 'C-w':
      return { state: set(value.replace(/\S*\s*$/, '')) };
  }
  if (ch && isPrintable(ch)) return { state: set(value + ch) };
  return { state };
}

export function isPrintable(ch: string): boolean {
  return ch.length > 0 && [...ch].every((c) => c >= ' ' && c !== '\x7f');
}

export interface FieldError {
  field: FieldKey | undefined;
  reason: string;
}

/** `ports` is contract v1.1: sent only when given, so a server without it still takes the rest. */
export type FormSpec = JobSpecInput & { ports?: number[] };

export type SpecResult = { ok: true; spec: FormSpec } | { ok: false; errors: FieldError[] };

/** Parse what was typed into a JobSpec. Only what the form must decide itself (is it a number? is
 * env KEY=VALUE?) is checked here, every field at once; ranges and formats are the server's. */
export function toSpec(values: FormValues): SpecResult {
  const errors: FieldError[] = [];
  const num = (field: FieldKey, empty?: number): number => {
    const raw = values[field].trim();
    if (raw === '' && empty !== undefined) return empty;
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n)) errors.push({ field, reason: 'must be a number' });
    return n;
  };
  const cpus = num('cpus');
  const memoryMb = num('memoryMb');
  const ioWeight = num('ioWeight');
  const pidsLimit = num('pidsLimit', limits.pidsLimitDefault);
  const timeoutSeconds = num('timeout', 0);
  const env: Record<string, string> = {};
  for (const pair of values.env.split(/[\s,]+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      errors.push({ field: 'env', reason: `"${pair}" is not KEY=VALUE` });
      break;
    }
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const ports: number[] = [];
  for (const p of values.ports.split(/[\s,]+/).filter(Boolean)) {
    if (!/^\d+$/.test(p)) {
      errors.push({ field: 'ports', reason: `"${p}" is not a port number` });
      break;
    }
    ports.push(Number(p));
  }
  if (errors.length) return { ok: false, errors };
  const network = values.network.trim() || 'bridge';
  return {
    ok: true,
    spec: {
      name: values.name.trim(),
      image: values.image.trim(),
      cmd: values.command,
      cpus,
      memoryMb,
      ioWeight,
      pidsLimit,
      timeoutSeconds,
      env,
      network: network as 'bridge' | 'none',
      ...(ports.length ? { ports } : {}),
    },
  };
}

/** The form field a server-side field path belongs to (`env.FOO` -> env, `cmd` -> command). */
export function fieldForServerPath(path: string): FieldKey | undefined {
  const head = path.split('.')[0] ?? '';
  const map: Record<string, FieldKey> = {
    name: 'name',
    image: 'image',
    cmd: 'command',
    argv: 'command',
    cpus: 'cpus',
    memoryMb: 'memoryMb',
    ioWeight: 'ioWeight',
    pidsLimit: 'pidsLimit',
    timeoutSeconds: 'timeout',
    env: 'env',
    ports: 'ports',
    network: 'network',
  };
  return map[head];
}

/** The server's -32602 problems as form errors: each on its field, the rest as the form's message. */
export function serverErrors(problems: readonly InvalidParamsData[]): FieldError[] {
  return problems.map((p) => {
    const field = fieldForServerPath(p.field);
    return { field, reason: field ? p.reason : `${p.field}: ${p.reason}` };
  });
}

/** Put errors where they belong, keeping every typed value; focus moves to the first bad field. */
export function withErrors(state: FormState, list: readonly FieldError[]): FormState {
  const errors: Partial<Record<FieldKey, string>> = {};
  const loose: string[] = [];
  for (const e of list) {
    if (!e.field) loose.push(e.reason);
    else if (!errors[e.field]) errors[e.field] = e.reason;
  }
  const first = formFields.findIndex((f) => errors[f.key] !== undefined);
  return { ...state, errors, message: loose.length ? loose.join('; ') : undefined, focus: first < 0 ? state.focus : first, submitting: false };
}

export function withError(state: FormState, field: FieldKey | undefined, reason: string): FormState {
  return withErrors(state, [{ field, reason }]);
}
