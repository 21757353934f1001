// `npm run bench [--check] [name...]`: runs test/bench/<name>.bench.ts (all of them when none is
// named), each in a process of its own so that one bench's memory never shows up in another's RSS
// figures. Each prints its own figures with the baseline it measured in the same run. With --check,
// the run exits non-zero when a figure misses its target, and says which.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createReport, describeTarget, type Report } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const args = process.argv.slice(2);
const check = args.includes('--check');
const wanted = args.filter((a) => a !== '--check');
const unknown = wanted.filter((n) => !all.includes(n));
if (unknown.length) {
  console.error(`unknown bench: ${unknown.join(', ')} (have: ${all.join(', ')})`);
  process.exit(2);
}

/** A bench's exit status when it ran to the end: 3 when --check and a figure missed its target. */
const MISSED = 3;

if (wanted.length === 1) {
  const name = wanted[0]!;
  const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { run(report: Report): Promise<void> };
  const report = createReport();
  await mod.run(report);
  const misses = report.misses();
  for (const m of misses) console.error(`missed: ${name}: ${m.label}: ${m.value.toFixed(3)} ${m.unit}, target ${describeTarget(m.target, m.unit)}`);
  process.exit(check && misses.length ? MISSED : 0);
}

const failed: string[] = [];
const missed: string[] = [];
for (const name of wanted.length ? wanted : all) {
  console.log(`\n=== bench: ${name} ===`);
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...(check ? ['--check'] : []), name], {
    stdio: 'inherit',
  });
  if (r.status === MISSED) missed.push(name);
  else if (r.status !== 0) failed.push(name);
}
if (missed.length) console.error(`\nmissed a target: ${missed.join(', ')} (see "missed:" lines above)`);
if (failed.length) console.error(`\nfailed to run: ${failed.join(', ')}`);
process.exit(failed.length || missed.length ? 1 : 0);
