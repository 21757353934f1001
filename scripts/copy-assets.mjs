// tsc emits only .js; the web app's static files (CSS, scripts) are read at run time from beside the
// built modules, so copy them into dist/.
import { cpSync, existsSync } from 'node:fs';

const pairs = [['web/static', 'dist/web/static']];
for (const [from, to] of pairs) {
  if (!existsSync(from)) throw new Error(`copy-assets: ${from} is missing`);
  cpSync(from, to, { recursive: true });
}
