// `cjm-server token create|list|revoke` and start-up failures, run as the real CLI (tsx server/main.ts)
// against a throwaway database.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool, createTokenStore } from '../../../server/adapters/mysql/index.js';
import { createAuthService } from '../../../server/core/auth.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { sourceNodeArgs } from '../../support/source.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let db: TestDatabase;

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...sourceNodeArgs, 'server/main.ts', ...args], { cwd: root, env: { ...process.env, CJM_DATABASE_URL: db.url, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('cjm-server token', () => {
  it('create prints the token once; it authenticates; list shows it; revoke ends it', async () => {
    const created = await cli(['token', 'create', '--user', 'dora']);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^cjm_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/token \d+ for dora; store it now/);

    const admin = await cli(['token', 'create', '--user', 'root', '--admin']);
    expect(admin.code).toBe(0);

    const pool = createMysqlPool(db.url);
    try {
      const auth = createAuthService({ tokens: createTokenStore({ pool }) });
      expect(await auth.authenticate(token)).toEqual({ user: 'dora', admin: false });
      expect(await auth.authenticate(admin.stdout.trim())).toEqual({ user: 'root', admin: true });

      const listed = await cli(['token', 'list', '--json']);
      const rows = JSON.parse(listed.stdout) as { id: number; user: string; admin: boolean; revokedAt: string | null }[];
      expect(rows.map((r) => [r.user, r.admin, r.revokedAt])).toEqual([['dora', false, null], ['root', true, null]]);
      expect(listed.stdout).not.toContain(token);

      const table = await cli(['token', 'list']);
      expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+USER\s+ADMIN\s+CREATED\s+REVOKED$/);

      const dora = rows.find((r) => r.user === 'dora')!;
      expect(await cli(['token', 'revoke', String(dora.id)])).toMatchObject({ code: 0, stdout: `token ${dora.id} revoked\n` });
      expect(await auth.authenticate(token)).toBeNull();
      expect(await cli(['token', 'revoke', String(dora.id)])).toMatchObject({ code: 1, stderr: `cjm-server: no active token with id ${dora.id}\n` });
    } finally {
      await pool.end();
    }
  });

  it('refuses bad arguments', async () => {
    expect((await cli(['token', 'create', '--user', 'a b'])).code).not.toBe(0);
    expect((await cli(['token', 'create'])).code).not.toBe(0);
    expect((await cli(['token', 'revoke', 'x'])).code).not.toBe(0);
  });
});

describe('start-up failures', () => {
  it('a bad variable stops the program with one line naming it, exit 1', async () => {
    const r = await cli([], { CJM_LISTEN: 'nope' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('cjm-server: CJM_LISTEN: must be host:port (e.g. 127.0.0.1:5000 or [::1]:5000), got "nope"\n');
  });

  it('an unreachable database names where, password hidden', async () => {
    const r = await cli(['token', 'list'], { CJM_DATABASE_URL: 'mysql://cjm:hunter2@127.0.0.1:1/cjm' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cjm-server: database unreachable at mysql:\/\/cjm:\*\*\*@127\.0\.0\.1:1\/cjm: .*ECONNREFUSED/);
    expect(r.stderr).not.toContain('hunter2');
  });
});
