import { describe, expect, it } from 'vitest';
import { listUrl, parseListQuery } from '../../../web/list-query.js';

const parse = (qs: string) => {
  const p = new URLSearchParams(qs);
  return parseListQuery((n) => p.get(n) ?? undefined);
};

describe('the job list query string', () => {
  it('reads a page: filter, size, cursor and position', () => {
    expect(parse('status=running&search=web&limit=100&cursor=4711&start=101')).toEqual({
      query: { status: 'running', search: 'web', limit: 100, cursor: '4711', start: 101 },
      ignored: [],
    });
    expect(parse('')).toEqual({ query: { status: '', search: '', limit: 50, cursor: '', start: 1 }, ignored: [] });
    // The first page always starts at 1; a cursor without start leaves the position unknown.
    expect(parse('start=77').query.start).toBe(1);
    expect(parse('cursor=9').query.start).toBeNull();
  });

  it('leaves out each bad parameter with a sentence naming it and the contract’s reason', () => {
    const { query, ignored } = parse(`status=bogus&limit=9000&cursor=abc&search=${'x'.repeat(201)}`);
    expect(query).toEqual({ status: '', search: '', limit: 50, cursor: '', start: 1 });
    expect(ignored).toEqual([
      'Ignored status=“bogus”: must be one of "pending", "running", "exited", "error". Showing every status.',
      `Ignored search=“${'x'.repeat(40)}…”: must be at most 200 characters. Showing every job.`,
      'Ignored limit=“9000”: must be 1-500. Showing 50 a page.',
      'Ignored cursor=“abc”: must be a nextCursor from a previous page. Showing the newest jobs.',
    ]);
    expect(parse('limit=ten').ignored).toEqual(['Ignored limit=“ten”: must be a number. Showing 50 a page.']);
    expect(parse('limit=2.5').ignored).toEqual(['Ignored limit=“2.5”: must be a whole number. Showing 50 a page.']);
    expect(parse('cursor=10&start=-3')).toMatchObject({ query: { cursor: '10', start: null }, ignored: [expect.stringMatching(/^Ignored start=“-3”: must be a position/)] });
  });

  it('links keep only what differs from the first page', () => {
    expect(listUrl({ status: '', search: '', cursor: '', limit: 50, start: 1 })).toBe('/');
    expect(listUrl({ status: 'error', search: 'a&b', cursor: '', limit: 20, start: 1 })).toBe('/?status=error&search=a%26b&limit=20');
    expect(listUrl({ status: '', search: '', cursor: '33', limit: 50, start: 51 })).toBe('/?cursor=33&start=51');
    expect(listUrl({ status: '', search: '', cursor: '33', limit: 50, start: null })).toBe('/?cursor=33');
  });
});
