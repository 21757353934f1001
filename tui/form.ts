import type { JobSpecInput } from '#protocol';

// The create form as a pure model: typed values, the focused field and errors per field. Errors come
// from the form's own parsing (a number that is not one) or from the server's -32602
// `{field, reason}`, mapped back to the field the person typed into. Values survive every error.

export const formFields = [
  { key: 'name', label: 'Name', initial: '' },
  { key: 'image', label: 'Image', initial: 'busybox' },
  { key: 'command', label: 'Command', initial: '' },
  { key: 'cpus', label: 'CPUs', initial: '0.5' },
  { key: 'memoryMb', label: 'Memory MB', initial: '128' },
  { key: 'ioWeight', label: 'IO weight', initial: '500' },
  { key: 'timeout', label: 'Timeout s', initial: '0' },
  { key: 'env', label: 'Env', initial: '' },
  { key: 'network', label: 'Network', initial: 'bridge' },
] as const;

export type FieldKey = (typeof formFields)[number]['key'];

export interface FormState {
  values: Record<FieldKey, string>;
  focus: number;
  errors: Partial<Record<FieldKey, string>>;
  /** An error that belongs to no field (quota, name taken is mapped to name, Docker down...). */
  message: string | undefined;
  submitting: boolean;
  /** Esc on a form with typing in it asks first: y discards, any other key goes back to it. */
  discarding: boolean;
  /** The values it opened with, to know whether Esc would lose anything. */
  initial: Record<FieldKey, string>;
}

export function createFormState(prefill: Partial<Record<FieldKey, string>> = {}): FormState {
  const values = { ...(Object.fromEntries(formFields.map((f) => [f.key, f.initial])) as Record<FieldKey, string>), ...prefill };
  return { values, focus: 0, errors: {}, message: undefined, submitting: false, discarding: false, initial: values };
}

export function isDirty(state: FormState): boolean {
  return formFields.some((f) => state.values[f.key] !== state.initial[f.key]);
}

export function focusedKey(state: FormState): FieldKey {
  return formFields[state.focus]?.key ?? 'name';
}

/** One key into the form. Enter moves to the next field and submits on the last one; Ctrl-S submits
 * from anywhere; Esc is 'cancel' (the form mode asks first when something was typed). */
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

export type SpecResult = { ok: true; spec: JobSpecInput } | { ok: false; field: FieldKey; reason: string };

/** Parse what was typed into a JobSpec. Only what the form must decide itself (is it a number? is
 * env KEY=VALUE?) is checked here; ranges and formats are the server's to judge. */
export function toSpec(values: Record<FieldKey, string>): SpecResult {
  const num = (field: FieldKey): number | SpecResult => {
    const raw = values[field].trim();
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n)) return { ok: false, field, reason: 'must be a number' };
    return n;
  };
  const cpus = num('cpus');
  if (typeof cpus !== 'number') return cpus;
  const memoryMb = num('memoryMb');
  if (typeof memoryMb !== 'number') return memoryMb;
  const ioWeight = num('ioWeight');
  if (typeof ioWeight !== 'number') return ioWeight;
  const timeoutSeconds = values.timeout.trim() === '' ? 0 : num('timeout');
  if (typeof timeoutSeconds !== 'number') return timeoutSeconds;
  const env: Record<string, string> = {};
  for (const pair of values.env.split(/[\s,]+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return { ok: false, field: 'env', reason: `"${pair}" is not KEY=VALUE` };
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
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
      timeoutSeconds,
      env,
      network: network as 'bridge' | 'none',
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
    timeoutSeconds: 'timeout',
    env: 'env',
    network: 'network',
  };
  return map[head];
}

/** Put an error where it belongs, keeping every typed value; focus moves to the bad field. */
export function withError(state: FormState, field: FieldKey | undefined, reason: string): FormState {
  if (!field) return { ...state, errors: {}, message: reason, submitting: false };
  const focus = formFields.findIndex((f) => f.key === field);
  return { ...state, errors: { [field]: reason }, message: undefined, focus: focus < 0 ? state.focus : focus, submitting: false };
}
