import { h, type Html } from './html.js';

export function messagePage(title: string, text: string): Html {
  return h`<section class="message"><h1>${title}</h1><p>${text}</p><p><a href="/">Back to the job list</a></p></section>`;
}
