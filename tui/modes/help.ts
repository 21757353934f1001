import { paneMode, stay, type KeyPress, type Mode, type Step } from './mode.js';

// The `?` overlay: scrolls with j/k, arrows and pages; Esc, ? or q closes it.

export interface HelpLimits {
  /** Lines shown at once. */
  page: number;
  /** The largest offset: lines in all minus the page. */
  max: number;
}

export function helpStep(mode: Extract<Mode, { kind: 'help' }>, { key }: KeyPress, limits: HelpLimits): Step {
  const scroll = (d: number): Step => stay({ ...mode, scroll: Math.max(0, Math.min(limits.max, mode.scroll + d)) });
  const page = Math.max(1, limits.page - 1);
  switch (key) {
    case 'escape':
    case '?':
    case 'q':
      return stay(paneMode(mode.back));
    case 'j':
    case 'down':
      return scroll(1);
    case 'k':
    case 'up':
      return scroll(-1);
    case 'pagedown':
    case ' ':
      return scroll(page);
    case 'pageup':
      return scroll(-page);
    case 'g':
    case 'home':
      return stay({ ...mode, scroll: 0 });
  }
  return stay(mode);
}
