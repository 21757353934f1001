// The TUI and web name the contract `#protocol` (package.json "imports"); the server imports it by
// path. Either way a process must hold one copy, or `instanceof RpcError` and the error table split.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as byName from '#protocol';
import * as byPath from '../../../server/protocol/index.js';
import { sourceNodeArgs } from '../../support/source.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function node(args: readonly string[], script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...args, '--input-type=module', '-e', script], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('the contract by name', () => {
  // Inside the repo, so the copy resolves the same node_modules (zod) as the original.
  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  const tmp = mkdtempSync(join(root, 'test-artifacts', 'cjm-protocol-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('is the module the server imports by path (in vitest)', () => {
    expect(byName.RpcError).toBe(byPath.RpcError);
    expect(byName.errorTable).toBe(byPath.errorTable);
  });

  it('is one copy in a source run of server, web and TUI together', async () => {
    const r = await node(
      sourceNodeArgs,
      `const server = await import('./server/app.ts'); const web = await import('./web/context.ts');
       const tui = await import('./tui/connection.ts'); const a = await import('#protocol'); const b = await import('./server/protocol/index.ts');
       console.log(a.RpcError === b.RpcError, typeof server.startServer, typeof web, typeof tui);`,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('true function object object');
  });

  it('a second copy refuses to load, naming both files and the fix', async () => {
    const copy = join(tmp, 'errors.ts');
    copyFileSync(join(root, 'server/protocol/errors.ts'), copy);
    const r = await node(sourceNodeArgs, `await import('./server/protocol/errors.ts'); await import(${JSON.stringify(copy)});`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('server/protocol loaded twice');
    expect(r.stderr).toContain(copy);
    expect(r.stderr).toContain('--conditions=cjm-source');
  });
});
