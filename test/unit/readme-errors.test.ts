// README's error-code table must list exactly the codes of server/protocol's errorTable, each with
// its name: the docs cannot drift from the one table clients get codes from.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorTable } from '../../server/protocol/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows `| code | Name | ... |` of the table under the "Error codes" heading. */
function documentedErrors(markdown: string): Map<number, string> {
  const start = markdown.search(/^#{2,3} Error codes\s*$/m);
  if (start < 0) throw new Error('README.md has no "## Error codes" section');
  const rest = markdown.slice(start).split('\n').slice(1);
  const end = rest.findIndex((line) => /^#{1,3} /.test(line));
  const rows = new Map<number, string>();
  for (const line of end < 0 ? rest : rest.slice(0, end)) {
    const cells = line.split('|').map((c) => c.trim().replace(/^`|`$/g, ''));
    // cells[0] is the text before the first '|'; a data row has its code in cells[1].
    if (cells.length < 4 || !/^-?\d+$/.test(cells[1] ?? '')) continue;
    const code = Number(cells[1]);
    if (rows.has(code)) throw new Error(`README.md lists code ${code} twice`);
    rows.set(code, cells[2] ?? '');
  }
  return rows;
}

describe('README error-code table', () => {
  const documented = documentedErrors(readme);

  it('lists every code of errorTable with its name', () => {
    for (const { code, name } of errorTable) {
      expect(documented.get(code), `code ${code} (${name})`).toBe(name);
    }
  });

  it('lists no code that errorTable does not have', () => {
    const known = new Set<number>(errorTable.map((e) => e.code));
    expect([...documented.keys()].filter((c) => !known.has(c))).toEqual([]);
  });
});
