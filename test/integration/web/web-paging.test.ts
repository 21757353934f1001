// The job list in pages: 130 finished jobs written straight into the server's database, read
// through the web page by following its Newest/Older links, with the count it shows, filters that
// stay on from page to page, and query strings the page refuses with a sentence instead of an error.
import { beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool } from '../../../server/adapters/mysql/index.js';
import { growJob, seedJobs } from '../../support/seed-jobs.js';
import { readEvents, withSignedInWebStack } from '../../support/web-stack.js';

const web = withSignedInWebStack();
let ids: number[] = [];

beforeAll(async () => {
  // 120 "page-" jobs (every third an error: 40) and 10 "other-" ones, oldest first.
  const pool = createMysqlPool(web.stack.databaseUrl);
  try {
    const { firstId } = await seedJobs(pool, 130, {
      job: (i, n) => ({ ...growJob(i, n), name: i < 120 ? `page-${String(i).padStart(3, '0')}` : `other-${i}` }),
      status: (i) => (i < 120 && i % 3 === 0 ? 'error' : 'exited'),
    });
    ids = Array.from({ length: 130 }, (_, i) => firstId + i);
  } finally {
    await pool.end();
  }
});

interface Page {
  status: number;
  html: string;
  rowIds: number[];
  summary: string;
  older: string | null;
  newest: string | null;
}

async function open(path: string): Promise<Page> {
  const res = await web.b.get(path);
  const html = await res.text();
  const link = (rel: string) => new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(html)?.[1]?.replace(/&amp;/g, '&') ?? null;
  return {
    status: res.status,
    html,
    rowIds: [...html.matchAll(/<tr id="job-(\d+)"/g)].map((m) => Number(m[1])),
    summary: (/<p class="page-summary" id="page-summary">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '').replace(/<[^>]+>/g, ''),
    older: link('next'),
    newest: link('first'),
  };
}

const newestFirst = (list: number[]) => [...list].sort((a, b) => b - a);

describe('the job list in pages', () => {
  it('walks every job newest first by its Older links, saying where it is and how many there are', async () => {
    const all = newestFirst(ids);
    const first = await open('/');
    expect(first.status).toBe(200);
    expect(first.rowIds).toEqual(all.slice(0, 50));
    expect(first.summary).toBe('Showing 1–50 of 130 jobs');
    expect(first.newest).toBeNull();
    expect(first.html).toContain('<nav class="pages" aria-label="Pages of the job list">');

    const second = await open(first.older!);
    expect(first.older).toBe(`/?cursor=${all[49]}&start=51`);
    expect(second.rowIds).toEqual(all.slice(50, 100));
    expect(second.summary).toBe('Showing 51–100 of 130 jobs');
    expect(second.newest).toBe('/');

    const third = await open(second.older!);
    expect(third.rowIds).toEqual(all.slice(100));
    expect(third.summary).toBe('Showing 101–130 of 130 jobs');
    expect(third.older).toBeNull();
    // Row actions come back to the page they were taken on.
    expect(third.html).toContain(`name="back" value="${second.older!.replace(/&/g, '&amp;')}"`);
  });

  it('keeps the status filter, the search and the page size on every link', async () => {
    const errors = newestFirst(ids.slice(0, 120).filter((_, i) => i % 3 === 0));
    const first = await open('/?status=error&search=page-&limit=20');
    expect(first.rowIds).toEqual(errors.slice(0, 20));
    expect(first.summary).toBe('Showing 1–20 of 40 matching jobs');
    expect(first.html).toContain('<option value="20" selected>20</option>');
    expect(first.older).toBe(`/?status=error&search=page-&limit=20&cursor=${errors[19]}&start=21`);

    const second = await open(first.older!);
    expect(second.rowIds).toEqual(errors.slice(20, 40));
    expect(second.summary).toBe('Showing 21–40 of 40 matching jobs');
    expect(second.older).toBeNull();
    expect(second.newest).toBe('/?status=error&search=page-&limit=20');
    expect(second.html).toContain('<option value="error" selected>');
    expect(second.html).toContain('value="page-" placeholder');
  });

  it('a link without its position still pages, and says from where', async () => {
    const all = newestFirst(ids);
    const page = await open(`/?cursor=${all[9]}`);
    expect(page.rowIds).toEqual(all.slice(10, 60));
    expect(page.summary).toBe(`Showing 50 of 130 jobs, from before job ${all[9]}`);
    expect(page.older).toBe(`/?cursor=${all[59]}`);
  });

  it('leaves out bad parameters with a sentence naming each, never an error page', async () => {
    const all = newestFirst(ids);
    const page = await open('/?cursor=abc&limit=9999&status=nope&search=page-');
    expect(page.status).toBe(200);
    for (const text of [
      'Ignored cursor=“abc”: must be a nextCursor from a previous page. Showing the newest jobs.',
      'Ignored limit=“9999”: must be 1-500. Showing 50 a page.',
      'Ignored status=“nope”: must be one of &quot;pending&quot;, &quot;running&quot;, &quot;exited&quot;, &quot;error&quot;. Showing every status.',
    ])
      expect(page.html).toContain(`<p class="flash flash-error" role="alert">${text}</p>`);
    // What was valid still applies: the search, from the first page.
    expect(page.rowIds).toEqual(newestFirst(ids.slice(0, 120)).slice(0, 50));
    expect((await open(`/?cursor=${all[0]}&start=zero`)).html).toContain('Ignored start=“zero”: must be a position (1 or more).');
    expect((await open('/?limit=-1')).html).toContain('Ignored limit=“-1”: must be 1-500.');
    expect((await open('/?limit=many')).html).toContain('Ignored limit=“many”: must be a number.');

    // A cursor past the oldest job: an empty page that says why, with the way back.
    const empty = await open(`/?cursor=${Math.min(...ids)}&start=131`);
    expect(empty.status).toBe(200);
    expect(empty.rowIds).toEqual([]);
    expect(empty.html).toContain('No jobs here any more: they were removed since this link was made.');
    expect(empty.newest).toBe('/');
  });

  it('the live stream of a later page sends its own rows and the first page’s', async () => {
    const all = newestFirst(ids);
    const res = await web.b.get(`/events?cursor=${all[49]}&limit=50`);
    const events = await readEvents(res, (_, got) => got.filter((e) => e.event === 'job').length >= 100);
    const sent = events.filter((e) => e.event === 'job').map((e) => (JSON.parse(e.data) as { id: number }).id);
    expect(newestFirst(sent)).toEqual(all.slice(0, 100));
  });
});
