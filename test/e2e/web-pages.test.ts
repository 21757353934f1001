// The web page's job page, log viewer, form, bulk actions, endpoints and the list's pages, end to end: headless
// Chromium through a real Apache (apache/cjm.conf) to the real server. CJM_E2E_WEB_URL (+ CJM_TOKEN)
// points it at a running install such as the VM's 8080; without it, it starts this checkout's server
// on a throwaway database behind a private Apache. Screenshots at 1280 and 390 px go to
// test-artifacts/web-pages/; axe-core checks every page at both sizes.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { prepareApache, type TestApache } from '../support/apache.js';
import { startTestServer, type TestServer } from '../support/server.js';

const artifacts = join(process.cwd(), 'test-artifacts/web-pages');
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'];
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

let base: string;
let token: string;
let server: TestServer | null = null;
let apache: TestApache | null = null;
let browserInstance: Browser;
let context: BrowserContext;
let page: Page;
let rpc: CjmClient;
let userDir: string;
const problems: string[] = [];
const axeFindings: string[] = [];

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  if (process.env['CJM_E2E_WEB_URL']) {
    base = process.env['CJM_E2E_WEB_URL'].replace(/\/$/, '');
    token = process.env['CJM_TOKEN'] ?? '';
  } else {
    server = await startTestServer();
    apache = await prepareApache(`127.0.0.1:${server.port}`);
    await apache.start();
    base = `http://127.0.0.1:${apache.port}`;
    token = server.adminToken;
  }
  userDir = mkdtempSync(join(tmpdir(), 'cjm-e2e-pages-'));
  browserInstance = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: chromiumArgs });
  context = await browserInstance.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on('console', (m) => {
    // The form with bad fields is answered 422 on purpose; Chromium logs every 4xx page.
    if (m.type() === 'error' && !m.text().includes('status of 422')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  rpc = await createClient(`${base.replace(/^http/, 'ws')}/rpc`, token);
}, 60_000);

afterAll(async () => {
  rpc?.close();
  await browserInstance?.close();
  if (userDir) rmSync(userDir, { recursive: true, force: true });
  await apache?.stop();
  await server?.close();
}, 60_000);

/** Screenshots at desktop and phone width, with axe-core at both; serious or critical findings
 * are collected and fail the last test. `exclude`: a selector axe skips. */
async function capture(name: string, exclude?: string) {
  for (const [label, width, height] of [
    ['desktop', 1280, 900],
    ['phone', 390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(artifacts, `${name}-${label}.png`), fullPage: label === 'phone' ? false : true });
    const axe = new AxeBuilder({ page });
    const result = await (exclude ? axe.exclude(exclude) : axe).analyze();
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') axeFindings.push(`${name} ${label}: ${v.id} (${v.impact}) ${v.nodes.map((n: { target: unknown[] }) => n.target.join(' ')).join(', ')}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function createJob(spec: Record<string, unknown>) {
  return rpc.call('job.create', { name: unique('e2e-pages'), image: 'busybox:latest', cpus: 0.25, memoryMb: 32, network: 'none', ...spec } as Parameters<CjmClient['call']>[1] & { name: string; image: string; cpus: number; memoryMb: number });
}

async function waitStatus(id: number, ok: (s: string) => boolean, timeout = 30_000) {
  await expect.poll(async () => (await rpc.call('job.get', { id })).status, { timeout, interval: 100 }).toSatisfy(ok);
}

// Evaluated in the page (strings: this project's TypeScript has no DOM types).
const atBottom = () => page.evaluate<boolean>("(() => { const l = document.getElementById('log'); return l.scrollTop + l.clientHeight >= l.scrollHeight - 10; })()");
const logScrollTop = () => page.evaluate<number>("document.getElementById('log').scrollTop");
const logScrollHeight = () => page.evaluate<number>("document.getElementById('log').scrollHeight");

describe('the web pages through Apache', () => {
  it('signs in', async () => {
    await page.goto(`${base}/`);
    await page.fill('#f-token', token);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button:has-text("Sign in")')]);
    await expect.poll(() => page.locator('#live').isVisible(), { timeout: 10_000 }).toBe(true);
    await capture('list');
  });

  it('opens a 20,000-line log at the bottom and keeps following while it grows', { timeout: 120_000 }, async () => {
    const job = await createJob({ cmd: 'seq 1 20000; i=0; while true; do i=$((i+1)); echo more $i; sleep 0.3; done' });
    await waitStatus(job.id, (s) => s === 'running');
    await expect.poll(async () => (await rpc.call('job.logs', { id: job.id, tailBytes: 0 })).size, { timeout: 15_000 }).toBeGreaterThan(100_000);
    await page.goto(`${base}/jobs/${job.id}/log`);
    expect(await atBottom()).toBe(true);
    expect(await logScrollTop()).toBeGreaterThan(0);
    const h0 = await logScrollHeight();
    await expect.poll(logScrollHeight, { timeout: 10_000 }).toBeGreaterThan(h0 + 40);
    expect(await atBottom()).toBe(true);
    expect(await page.locator('#new-output').isVisible()).toBe(false);
    // axe over 20,000 lines takes minutes; the log box's own markup is checked on the short logs.
    await capture('log-long', '#log');

    // Scrolled up: the view stays put and offers the way back down.
    await page.evaluate("document.getElementById('log').scrollTop = 0");
    await expect.poll(() => page.locator('#new-output').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await logScrollTop()).toBe(0);
    await page.screenshot({ path: join(artifacts, 'log-new-output-desktop.png') });
    await page.click('#new-output');
    expect(await atBottom()).toBe(true);
    await expect.poll(() => page.locator('#new-output').isVisible()).toBe(false);

    // Search in the loaded text: highlighted and counted.
    await page.fill('#log-search', '19999');
    await expect.poll(() => page.locator('#log-search-count').textContent()).toBe('1 match');
    expect(await page.locator('#log mark.hit').textContent()).toBe('19999');
    await page.screenshot({ path: join(artifacts, 'log-search-desktop.png') });
    await rpc.call('job.kill', { id: job.id });
  });

  it('stop shows stopping, then stopped within 2 s; a job ignoring SIGTERM offers Kill', { timeout: 90_000 }, async () => {
    const quick = await createJob({ cmd: 'sleep 300' });
    const stubborn = await createJob({ cmd: "trap '' TERM; while true; do sleep 1; done" });
    await waitStatus(quick.id, (s) => s === 'running');
    await waitStatus(stubborn.id, (s) => s === 'running');
    await page.goto(`${base}/?search=e2e-pages`);
    const row = (id: number) => page.locator(`#job-${id}`);
    const t0 = Date.now();
    await Promise.all([page.waitForURL(/\/\?search=/), row(quick.id).locator('button:has-text("Stop")').click()]);
    expect(await page.locator('.flash-ok').textContent()).toContain('is stopping');
    await expect.poll(() => row(quick.id).locator('.status').textContent(), { timeout: 2000, interval: 50 }).toBe('exited');
    expect(Date.now() - t0).toBeLessThan(2500);

    await Promise.all([page.waitForURL(/\/\?search=/), row(stubborn.id).locator('button:has-text("Stop")').click()]);
    expect(await row(stubborn.id).locator('.status').textContent()).toBe('stopping');
    expect(await row(stubborn.id).locator('button:has-text("Kill")').isVisible()).toBe(true);
    // A screenshot only: the stop's 10 s grace runs out during a full capture with axe.
    await page.screenshot({ path: join(artifacts, 'list-stopping-desktop.png'), fullPage: true });
    await Promise.all([page.waitForURL(/\/\?search=/), row(stubborn.id).locator('button:has-text("Kill")').click()]);
    await expect.poll(() => row(stubborn.id).locator('.status').textContent(), { timeout: 5000 }).toBe('exited');
    await capture('list-stopped');
  });

  it('the job page shows the command and live stats', { timeout: 90_000 }, async () => {
    const job = await createJob({ cmd: 'while :; do :; done', cpus: 0.5, env: { GREETING: 'secret-value' } });
    await waitStatus(job.id, (s) => s === 'running');
    await page.goto(`${base}/?search=${job.name}`);
    await Promise.all([page.waitForURL(`${base}/jobs/${job.id}`), page.click(`#job-${job.id} .name a`)]);
    expect(await page.locator('#job-command').textContent()).toBe('while :; do :; done');
    expect(await page.content()).not.toContain('secret-value');
    await expect.poll(() => page.locator('#stat-chart svg polyline').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const cpu = Number((await page.locator('#stat-cpu').textContent())!.replace('%', ''));
    expect(cpu).toBeGreaterThan(20);
    expect(cpu).toBeLessThan(80);
    await capture('job-page');
    await rpc.call('job.kill', { id: job.id });
  });

  it('marks four bad fields in one submit', async () => {
    await page.goto(`${base}/`);
    await page.click('#create-title');
    await page.fill('#f-name', 'bad name!');
    await page.fill('#f-image', 'Not An Image');
    await page.fill('#f-cmd', 'true');
    await page.fill('#f-memoryMb', '3');
    await page.fill('#f-ioWeight', '5');
    await Promise.all([page.waitForURL(`${base}/jobs`), page.click('button:has-text("Create job")')]);
    const invalid = await page.locator('[aria-invalid="true"]').evaluateAll((els) => els.map((e) => (e as unknown as { id: string }).id));
    expect(invalid.sort()).toEqual(['f-image', 'f-ioWeight', 'f-memoryMb', 'f-name']);
    for (const id of invalid) expect(await page.locator(`#e-${id.slice(2)}`).isVisible()).toBe(true);
    await capture('form-errors');
  });

  it('renders a coloured line as a coloured span and keeps <script> as text', async () => {
    const job = await createJob({ cmd: "printf '\\033[31mred line\\033[0m <script>window.pwned=1</script>\\n'" });
    await waitStatus(job.id, (s) => s === 'exited');
    await page.goto(`${base}/jobs/${job.id}/log`);
    const red = page.locator('#log span.a-fg1');
    expect(await red.textContent()).toBe('red line');
    expect(await red.evaluate((e) => (globalThis as unknown as { getComputedStyle(x: unknown): { color: string } }).getComputedStyle(e).color)).toBe('rgb(255, 123, 114)');
    expect(await page.locator('#log script').count()).toBe(0);
    expect(await page.locator('#log').textContent()).toContain('<script>window.pwned=1</script>');
    expect(await page.evaluate<unknown>('window.pwned')).toBeUndefined();
    await capture('log-colour');
  });

  it("the httpd example's endpoint link loads the served file", async () => {
    await page.goto(`${base}/?preset=webserver`);
    const name = unique('e2e-pages-web');
    await page.fill('#f-name', name);
    await page.fill('#f-memoryMb', '32');
    await Promise.all([page.waitForURL(`${base}/`), page.click('button:has-text("Create job")')]);
    const id = (await rpc.call('job.list', { search: name })).jobs[0]!.id;
    await expect.poll(async () => (await rpc.call('job.get', { id })).ip, { timeout: 30_000 }).not.toBeNull();
    await page.goto(`${base}/jobs/${id}`);
    await page.waitForTimeout(500); // httpd binding its port
    await Promise.all([page.waitForURL(`${base}/jobs/${id}/ports/8000/`), page.click('a.endpoint')]);
    expect((await page.locator('body').textContent())?.trim()).toBe('hello');
    await rpc.call('job.kill', { id });
  });

  it('removes the selected jobs after a confirmation', async () => {
    const a = await createJob({ cmd: 'true' });
    const b = await createJob({ cmd: 'true' });
    await waitStatus(a.id, (s) => s === 'exited');
    await waitStatus(b.id, (s) => s === 'exited');
    await page.goto(`${base}/?search=e2e-pages`);
    await page.check(`#job-${a.id} .pick input`);
    await page.check(`#job-${b.id} .pick input`);
    await Promise.all([page.waitForURL(`${base}/jobs/bulk`), page.click('button:has-text("Remove selected")')]);
    expect(await page.locator('h1').textContent()).toBe('Remove 2 jobs?');
    await capture('bulk-confirm');
    await Promise.all([page.waitForURL(/\/\?search=/), page.click('button:has-text("Remove 2 jobs")')]);
    expect(await page.locator('.flash-ok').textContent()).toContain('Removed 2 jobs');
    expect(await page.locator(`#job-${a.id}`).count()).toBe(0);
    await page.goto(`${base}/jobs/remove-finished`);
    await capture('remove-finished-confirm');
  });

  it('pages through the list by its links, and a later page announces a new job instead of taking it in', { timeout: 120_000 }, async () => {
    const prefix = unique('e2e-paging');
    const jobs = [];
    for (let i = 0; i < 12; i++) jobs.push(await createJob({ name: `${prefix}-${String(i).padStart(2, '0')}`, cmd: 'true' }));
    for (const j of jobs) await waitStatus(j.id, (s) => s === 'exited');
    const ids = jobs.map((j) => j.id).sort((a, b) => b - a);
    const rowIds = () => page.locator('#jobs tbody tr[data-id]').evaluateAll((rows) => rows.map((r) => Number((r as unknown as { dataset: { id: string } }).dataset.id)));
    const summary = () => page.locator('#page-summary').textContent();
    const pager = page.getByRole('navigation', { name: 'Pages of the job list' });

    await page.goto(`${base}/?search=${prefix}&limit=5`);
    expect(await rowIds()).toEqual(ids.slice(0, 5));
    expect(await summary()).toBe('Showing 1–5 of 12 matching jobs');
    await capture('list-paged');

    await Promise.all([page.waitForURL(/cursor=/), pager.getByRole('link', { name: 'Older →' }).click()]);
    expect(await rowIds()).toEqual(ids.slice(5, 10));
    expect(await summary()).toBe('Showing 6–10 of 12 matching jobs');
    await expect.poll(() => page.locator('#live').isVisible(), { timeout: 10_000 }).toBe(true);

    // A job created now is newer than every row here: counted in a link, the rows left as they are.
    const fresh = await createJob({ name: `${prefix}-new`, cmd: 'true' });
    const announce = page.locator('#newer a');
    await expect.poll(() => announce.textContent(), { timeout: 15_000 }).toBe('1 new job — show newest');
    expect(await rowIds()).toEqual(ids.slice(5, 10));
    await capture('list-page-2');

    await Promise.all([page.waitForURL(`${base}/?search=${prefix}&limit=5`), announce.click()]);
    expect((await rowIds())[0]).toBe(fresh.id);
    // 13 jobs: pages of 5, 5 and 3; the last has no Older link; Newest goes back to the first.
    await Promise.all([page.waitForURL(/start=6/), pager.getByRole('link', { name: 'Older →' }).click()]);
    await Promise.all([page.waitForURL(/start=11/), pager.getByRole('link', { name: 'Older →' }).click()]);
    expect(await rowIds()).toEqual(ids.slice(9));
    expect(await summary()).toBe('Showing 11–13 of 13 matching jobs');
    expect(await pager.getByRole('link', { name: 'Older →' }).count()).toBe(0);
    await page.goBack();
    expect(await rowIds()).toEqual([fresh.id, ...ids].slice(5, 10));
    await Promise.all([page.waitForURL(`${base}/?search=${prefix}&limit=5`), pager.getByRole('link', { name: '← Newest' }).click()]);
    expect((await rowIds())[0]).toBe(fresh.id);
    // The first page takes a new job in at the top, and its numbers with it.
    await expect.poll(() => page.locator('#live').isVisible(), { timeout: 10_000 }).toBe(true);
    const another = await createJob({ name: `${prefix}-another`, cmd: 'true' });
    await expect.poll(async () => (await rowIds())[0], { timeout: 15_000 }).toBe(another.id);
    expect(await summary()).toBe('Showing 1–6 of 14 matching jobs');
  });

  it('works with JavaScript off: create, stop, remove', async () => {
    const noJs = await browserInstance.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const p = await noJs.newPage();
    try {
      await p.goto(`${base}/`);
      await p.fill('#f-token', token);
      await Promise.all([p.waitForURL(`${base}/`), p.click('button:has-text("Sign in")')]);
      await p.click('#create-title'); // <details> opens without JavaScript
      const name = unique('e2e-pages-nojs');
      await p.fill('#f-name', name);
      await p.fill('#f-image', 'busybox:latest');
      await p.fill('#f-cmd', "trap '' TERM; while true; do sleep 1; done");
      await p.fill('#f-memoryMb', '32');
      await Promise.all([p.waitForURL(`${base}/`), p.click('button:has-text("Create job")')]);
      const id = (await rpc.call('job.list', { search: name })).jobs[0]!.id;
      await waitStatus(id, (s) => s === 'running');
      await p.goto(`${base}/jobs/${id}`);
      await Promise.all([p.waitForURL(`${base}/jobs/${id}`), p.click('button:has-text("Stop")')]);
      expect(await p.locator('#job-status').textContent()).toBe('stopping');
      expect(await p.locator('.flash-ok').textContent()).toContain('is stopping');
      await p.screenshot({ path: join(artifacts, 'nojs-stopping-phone.png'), fullPage: true });
      await Promise.all([p.waitForURL(`${base}/jobs/${id}`), p.click('button:has-text("Kill")')]);
      await waitStatus(id, (s) => s === 'exited', 10_000);
      await p.click('a:has-text("Remove…")');
      await Promise.all([p.waitForURL(`${base}/`), p.click(`button:has-text("Remove job ${id}")`)]);
      expect(await p.locator('.flash-ok').textContent()).toContain(`Job ${id} removed`);
    } finally {
      await noJs.close();
    }
  });

  it('had no script errors, CSP violations or serious accessibility findings', () => {
    expect(problems).toEqual([]);
    expect(axeFindings).toEqual([]);
  });
});
