import { isPrintable } from '../form.js';
import { paneMode, stay, type KeyPress, type Mode, type Step } from './mode.js';

// The save-log prompt (`w`): a path, pre-filled with `./<name>.log`; Enter writes the job's whole
// log there, Esc goes back without writing.

export function saveStep(mode: Extract<Mode, { kind: 'save' }>, { key, ch }: KeyPress): Step {
  const edit = (text: string): Step => stay({ ...mode, text });
  switch (key) {
    case 'enter':
      if (mode.text.trim() === '') return stay(mode, { kind: 'say', text: 'path: type where to write the log', error: true });
      return stay(paneMode(mode.back), { kind: 'save', job: mode.job, path: mode.text.trim() });
    case 'escape':
      return stay(paneMode(mode.back));
    case 'backspace':
      return edit(mode.text.slice(0, -1));
    case 'C-u':
      return edit('');
    case 'C-w':
      return edit(mode.text.replace(/\S*\s*$/, ''));
  }
  return ch && isPrintable(ch) ? edit(mode.text + ch) : stay(mode);
}
