import { logLimits } from '#protocol';

// How much of a log the page shows and how: read from the query string (the page's own GET form),
// so every choice works without JavaScript and survives a reload.

export const showChoices = [
  { value: '20k', label: 'last 20 KB', bytes: logLimits.tailDefault },
  { value: '100k', label: 'last 100 KB', bytes: 100 * 1024 },
  { value: '1m', label: 'last 1 MB', bytes: logLimits.tailMax },
  { value: '100l', label: 'last 100 lines', bytes: logLimits.tailMax, lines: 100 },
  { value: '1000l', label: 'last 1,000 lines', bytes: logLimits.tailMax, lines: 1000 },
] as const;

export type ShowChoice = (typeof showChoices)[number];

export interface LogView {
  show: ShowChoice;
  timestamps: boolean;
  wrap: boolean;
}

export function logViewOf(q: (name: string) => string | undefined): LogView {
  const show = showChoices.find((c) => c.value === q('show')) ?? showChoices[0];
  // An unticked checkbox sends nothing: `opts` says the form was sent, so no `wrap` means off.
  const wrap = q('opts') === '1' ? q('wrap') === '1' : q('wrap') !== '0';
  return { show, timestamps: q('timestamps') === '1', wrap };
}

/** The page's URL for a view; the defaults are left out. */
export function logViewQuery(v: LogView): string {
  const p = new URLSearchParams();
  if (v.show.value !== showChoices[0].value) p.set('show', v.show.value);
  if (v.timestamps) p.set('timestamps', '1');
  if (!v.wrap) p.set('wrap', '0');
  const s = p.toString();
  return s ? `?${s}` : '';
}
