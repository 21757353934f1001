import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

// hono/html escapes every interpolated string (& < > " '); nested h`` results are kept as they are.
// Our templates never interpolate promises, so the result is always synchronous: say so in the type.

export type Html = HtmlEscapedString;

export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const out = html(strings, ...values);
  if (out instanceof Promise) throw new Error('web views must render synchronously');
  return out;
}
