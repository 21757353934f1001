import { isPrintable } from '../form.js';
import { stay, type KeyPress, type Mode, type Step } from './mode.js';

// The job filter prompt: the table narrows as you type; Enter keeps the filter, Esc clears it.

export function filterStep(mode: Extract<Mode, { kind: 'filter' }>, { key, ch }: KeyPress): Step {
  const set = (text: string): Step => (text === mode.text ? stay(mode) : stay({ kind: 'filter', text }, { kind: 'filter', text }));
  switch (key) {
    case 'enter':
      return stay({ kind: 'table' });
    case 'escape':
      return stay({ kind: 'table' }, ...(mode.text ? [{ kind: 'filter' as const, text: '' }] : []));
    case 'backspace':
      return set(mode.text.slice(0, -1));
    case 'C-u':
      return set('');
    case 'C-w':
      return set(mode.text.replace(/\S*\s*$/, ''));
  }
  return ch && isPrintable(ch) ? set(mode.text + ch) : stay(mode);
}
