// The setup scripts, checked the way CI checks them: shellcheck on every shell script, and Vagrant's
// own validation of the Vagrantfile. .ci/run installs both tools, so a missing one fails the test.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function run(command: string, args: string[], timeoutMs = 120_000) {
  const result = spawnSync(command, args, { cwd: repo, encoding: 'utf8', timeout: timeoutMs });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? `${command} is not installed (.ci/run installs it)` : `${command}: ${result.error.message}`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function isShellScript(path: string): boolean {
  if (path.endsWith('.sh')) return true;
  const head = readFileSync(path, 'utf8').slice(0, 100);
  return /^#!.*\b(ba)?sh\b/.test(head);
}

/** provision/**: every .sh file or file with a sh/bash shebang; plus .ci/run. */
function shellScripts(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (isShellScript(path)) found.push(relative(repo, path));
    }
  };
  walk(join(repo, 'provision'));
  return [...found.sort(), '.ci/run'];
}

describe('setup scripts', () => {
  it('finds the scripts to check', () => {
    expect(shellScripts()).toEqual(expect.arrayContaining(['provision/provision.sh', 'provision/lib/common.sh', '.ci/run']));
  });

  it('are shellcheck-clean', () => {
    const { status, output } = run('shellcheck', ['--external-sources', ...shellScripts()]);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('Vagrantfile passes vagrant validate', () => {
    const { status, output } = run('vagrant', ['validate', '--ignore-provider']);
    expect(output).toContain('validated successfully');
    expect(status).toBe(0);
  });
});
