import type { Job } from '#protocol';
import type { FormState } from '../form.js';
import type { Action, KeyContext } from '../keys.js';

// The dashboard's modes and what a key in one of them asks the app to do. Each mode's step is pure:
// `(mode, key, context) -> {mode, effects}`; app.ts runs the effects against the job list, the log
// pane and the server.

/** An action that asks first (the key table's `dangerous`), with what it will act on. */
export interface Pending {
  action: Action;
  job: Job | undefined;
  /** For bulk actions: how many jobs it touches (of those loaded). */
  count?: number;
  /** The loaded jobs are not all of them: the server may touch more than `count`. */
  partial?: boolean;
}

export type Mode =
  | { kind: 'table' }
  | { kind: 'log' }
  | { kind: 'help'; back: KeyContext; scroll: number }
  | { kind: 'filter'; text: string }
  | { kind: 'search'; text: string }
  /** The `w` prompt: where to write `job`'s whole log. */
  | { kind: 'save'; text: string; job: Job; back: KeyContext }
  | { kind: 'confirm'; pending: Pending; back: KeyContext }
  | { kind: 'form'; form: FormState };

export type Effect =
  /** Carry out a bound action (a move, a server call); dangerous ones only after a yes. */
  | { kind: 'do'; action: Action; job: Job | undefined }
  | { kind: 'filter'; text: string }
  /** Search the log for `text` ('' clears the search). */
  | { kind: 'search'; text: string }
  | { kind: 'submit'; form: FormState }
  /** Write the job's whole log to `path`. */
  | { kind: 'save'; job: Job; path: string }
  | { kind: 'say'; text: string; error?: boolean }
  | { kind: 'quit' };

export interface Step {
  mode: Mode;
  effects: Effect[];
}

/** What a step may read but not change. */
export interface StepContext {
  selected: Job | undefined;
  filter: string;
  /** Finished jobs (exited or error) in the list, for the bulk-remove confirmation. */
  finished: number;
  /** The list holds every job (no filter, every page read): `finished` is all of them. */
  allLoaded: boolean;
  /** Whether a job of that name exists (a clone's name). */
  taken: (name: string) => boolean;
}

/** One keypress: `key` as the key table names it, `ch` the character typed (for text fields). */
export interface KeyPress {
  key: string;
  ch: string | undefined;
}

export const stay = (mode: Mode, ...effects: Effect[]): Step => ({ mode, effects });

/** The pane a mode returns to. */
export const paneMode = (context: KeyContext): Mode => (context === 'log' ? { kind: 'log' } : { kind: 'table' });
