import { paneMode, stay, type KeyPress, type Mode, type Step } from './mode.js';

// A dangerous action waits here for a yes: `y` carries it out, any other key cancels.

export function confirmStep(mode: Extract<Mode, { kind: 'confirm' }>, { ch }: KeyPress): Step {
  const back = paneMode(mode.back);
  if (ch === 'y' || ch === 'Y') return stay(back, { kind: 'do', action: mode.pending.action, job: mode.pending.job });
  return stay(back, { kind: 'say', text: 'cancelled' });
}
