// The web page end to end: headless Chromium through the real Apache (127.0.0.1:8080, or
// CJM_E2E_WEB_URL) to the real server. Screenshots go to test-artifacts/web/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { removeJobs } from '../support/cleanup.js';

const base = (process.env['CJM_E2E_WEB_URL'] ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const artifacts = join(process.cwd(), 'test-artifacts/web');
const ticks = 'i=0; while [ $i -lt 3 ]; do echo tick $i; i=$((i+1)); sleep 1; done';
const longTicks = 'i=0; while [ $i -lt 6 ]; do echo tick $i; i=$((i+1)); sleep 1; done';

/** CJM_TOKEN, else the client config provision wrote, else the root-only env file. */
function token(): string {
  const fromEnv = process.env['CJM_TOKEN'];
  if (fromEnv) return fromEnv;
  try {
    const t = (JSON.parse(readFileSync(join(homedir(), '.config/cjm/config.json'), 'utf8')) as { token?: unknown }).token;
    if (typeof t === 'string' && t) return t;
  } catch {
    /* next */
  }
  const line = readFileSync('/etc/cjm/cjm.env', 'utf8').match(/^CJM_ADMIN_TOKEN=(.+)$/m);
  if (line?.[1]) return line[1].trim();
  throw new Error('no token: set CJM_TOKEN or run provision/provision.sh first');
}

const unique = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

let context: BrowserContext;
let page: Page;
let userDataDir: string;
let rpc: CjmClient;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'cjm-e2e-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  // Locator calls fail with a message instead of waiting forever (the library default).
  context.setDefaultTimeout(10_000);
  page = context.pages()[0] ?? (await context.newPage());
  // A CSP violation or a script error shows up as a console error: the page must have none.
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  rpc = await createClient(`${base.replace(/^http/, 'ws')}/rpc`, token());
});

afterAll(async () => {
  await removeJobs(rpc, 'e2e-web-');
  rpc?.close();
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

function row(name: string) {
  return page.locator('#jobs tbody tr', { has: page.locator('.name strong', { hasText: name }) });
}

async function createThroughForm(name: string, cmd: string) {
  // The form sits behind "New job" at the top of the list (open again after a submit with errors).
  if (!(await page.locator('#f-name').isVisible())) await page.click('#create-title');
  await page.fill('#f-name', name);
  await page.fill('#f-image', 'busybox:latest');
  await page.fill('#f-cmd', cmd);
  await page.fill('#f-cpus', '0.5');
  await page.fill('#f-memoryMb', '64');
  await Promise.all([page.waitForURL(`${base}/`), page.click('button:has-text("Create job")')]);
  await expect.poll(() => page.locator('.flash-ok').textContent()).toContain(`“${name}” created`);
}

describe('the web page through Apache', () => {
  it('signs in with the token', async () => {
    await page.goto(`${base}/`);
    expect(page.url()).toBe(`${base}/login?next=%2F`);
    await page.screenshot({ path: join(artifacts, 'login-desktop.png') });
    await page.fill('#f-token', token());
    await Promise.all([page.waitForURL(`${base}/`), page.click('button:has-text("Sign in")')]);
    await expect.poll(() => page.locator('.who').textContent()).toContain('Signed in as');
    await expect.poll(() => page.locator('#live').isVisible(), { timeout: 10_000 }).toBe(true);
  });

  it('creates a job through the form and watches it run and exit without reloading', async () => {
    const name = unique('e2e-web-ticks');
    await createThroughForm(name, ticks);
    // Marks this document: if the page reloaded, the mark would be gone.
    await page.evaluate(() => ((globalThis as unknown as { cjmMark: number }).cjmMark = 1));
    const status = row(name).locator('.status');
    await expect.poll(() => status.textContent(), { timeout: 30_000, interval: 100 }).toBe('running');
    await page.screenshot({ path: join(artifacts, 'list-running-desktop.png'), fullPage: true });
    await expect.poll(() => status.textContent(), { timeout: 30_000, interval: 100 }).toBe('exited');
    expect(await row(name).locator('.detail').textContent()).toBe('completed');
    expect(await page.evaluate(() => (globalThis as unknown as { cjmMark?: number }).cjmMark)).toBe(1);
    await page.screenshot({ path: join(artifacts, 'list-exited-desktop.png'), fullPage: true });

    await row(name).locator('a:has-text("Log")').click();
    await page.waitForURL(/\/jobs\/\d+\/log$/);
    const log = page.locator('#log');
    for (const t of ['tick 0', 'tick 1', 'tick 2']) await expect.poll(() => log.textContent()).toContain(t);
    await page.screenshot({ path: join(artifacts, 'log-desktop.png'), fullPage: true });
  });

  it('follows a running job\'s log live', async () => {
    const name = unique('e2e-web-follow');
    await page.goto(`${base}/`);
    await createThroughForm(name, `${longTicks}; echo warning >&2`);
    await expect.poll(() => row(name).locator('.status').textContent(), { timeout: 30_000, interval: 100 }).toBe('running');
    await row(name).locator('a:has-text("Log")').click();
    await page.waitForURL(/\/jobs\/\d+\/log$/);
    const id = Number(/\/jobs\/(\d+)\/log$/.exec(page.url())?.[1]);
    await expect.poll(() => page.locator('#log').textContent(), { timeout: 15_000 }).toContain('tick 5');
    await expect.poll(() => page.locator('#log-status').textContent(), { timeout: 15_000 }).toBe('exited');
    // If this fails with exit 137, something outside killed the container (another server's reconciler).
    expect(await rpc.call('job.get', { id })).toMatchObject({ status: 'exited', reason: 'completed', exitCode: 0 });
    expect(await page.locator('#log .ln.err').textContent()).toContain('warning');
    await page.screenshot({ path: join(artifacts, 'log-followed-desktop.png'), fullPage: true });
  });

  it('stops and removes another job', async () => {
    const name = unique('e2e-web-sleep');
    await page.goto(`${base}/`);
    await createThroughForm(name, 'sleep 300');
    await expect.poll(() => row(name).locator('.status').textContent(), { timeout: 30_000, interval: 100 }).toBe('running');
    // sh as PID 1 ignores SIGTERM: the stop waits out its 10 s grace period before the kill.
    await Promise.all([page.waitForURL(`${base}/`, { timeout: 30_000 }), row(name).locator('button:has-text("Stop")').click({ timeout: 30_000 })]);
    await expect.poll(() => row(name).locator('.status').textContent(), { timeout: 20_000 }).toBe('exited');
    expect(await row(name).locator('.detail').textContent()).toBe('stopped');
    await page.screenshot({ path: join(artifacts, 'list-stopped-desktop.png'), fullPage: true });

    page.once('dialog', (d) => void d.accept());
    await Promise.all([page.waitForURL(`${base}/`), row(name).locator('button:has-text("Remove")').click()]);
    await expect.poll(() => page.locator('.flash-ok').textContent()).toContain('removed');
    expect(await row(name).count()).toBe(0);
  });

  it('looks right on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/`);
    await page.screenshot({ path: join(artifacts, 'list-phone.png'), fullPage: true });
    const first = page.locator('#jobs tbody tr[data-id]').first();
    const href = await first.locator('a:has-text("Log")').getAttribute('href');
    // Stacked rows: no horizontal scrolling.
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.goto(`${base}${href}`);
    await page.screenshot({ path: join(artifacts, 'log-phone.png'), fullPage: true });
    await page.goto(`${base}/jobs/${href?.split('/')[2]}/remove`);
    await page.screenshot({ path: join(artifacts, 'confirm-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('had no script errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
