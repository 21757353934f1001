// The job list's query string: what the page asks job.list for, checked by the contract's own
// validation, and the links that carry it from page to page.
import { isRpcError, jobStatuses, validateParams, type InvalidParamsData, type JobStatus } from '#protocol';

export interface ListQuery {
  status: JobStatus | '';
  search: string;
  /** The nextCursor that leads to this page; '' on the first page. */
  cursor: string;
  limit: number;
  /** Position of the page's first job (1-based), carried from link to link since a cursor does not
   * tell it; null when the URL did not say (a hand-made or old link). */
  start: number | null;
}

export const defaultPageSize = 50;
/** The sizes the filter offers; the URL may ask for any the contract takes (1-500). */
export const pageSizes = [20, 50, 100, 200, 500] as const;

export const firstPageQuery: ListQuery = { status: '', search: '', cursor: '', limit: defaultPageSize, start: 1 };

export interface ParsedListQuery {
  query: ListQuery;
  /** One sentence per parameter left out because it was not valid. */
  ignored: string[];
}

/** Reads the list's parameters; a bad one is left out (the page says so), never an error page. */
export function parseListQuery(get: (name: string) => string | undefined): ParsedListQuery {
  const raw = { status: get('status') ?? '', search: get('search') ?? '', cursor: get('cursor') ?? '', limit: get('limit') ?? '', start: get('start') ?? '' };
  const params: Record<string, unknown> = {};
  if (raw.status) params.status = raw.status;
  if (raw.search) params.search = raw.search;
  if (raw.cursor) params.cursor = raw.cursor;
  if (raw.limit) params.limit = /^\s*-?\d+(\.\d+)?\s*$/.test(raw.limit) ? Number(raw.limit) : raw.limit;
  const ignored: string[] = [];
  for (const { field, reason } of invalidFields(params)) {
    const value = raw[field as keyof typeof raw] ?? '';
    ignored.push(`Ignored ${field}=“${value.length > 40 ? `${value.slice(0, 40)}…` : value}”: ${reason}. ${instead[field] ?? ''}`.trim());
    delete params[field];
  }
  const cursor = typeof params.cursor === 'string' ? params.cursor : '';
  let start: number | null = cursor ? null : 1;
  if (cursor && raw.start) {
    const n = /^[1-9][0-9]{0,15}$/.test(raw.start) ? Number(raw.start) : NaN;
    if (Number.isSafeInteger(n)) start = n;
    else ignored.push(`Ignored start=“${raw.start.slice(0, 40)}”: must be a position (1 or more). The page does not say which jobs of the list it shows.`);
  }
  return {
    query: {
      status: (jobStatuses as readonly string[]).includes(String(params.status)) ? (params.status as JobStatus) : '',
      search: typeof params.search === 'string' ? params.search : '',
      cursor,
      limit: typeof params.limit === 'number' ? params.limit : defaultPageSize,
      start,
    },
    ignored,
  };
}

const instead: Record<string, string> = {
  status: 'Showing every status.',
  search: 'Showing every job.',
  cursor: 'Showing the newest jobs.',
  limit: `Showing ${defaultPageSize} a page.`,
};

/** The fields the contract refuses in these job.list params (its own checks, not a copy). */
function invalidFields(params: Record<string, unknown>): InvalidParamsData[] {
  try {
    validateParams('job.list', params);
    return [];
  } catch (e) {
    if (isRpcError(e) && e.data && typeof e.data === 'object' && 'errors' in e.data) return (e.data as { errors: InvalidParamsData[] }).errors;
    throw e;
  }
}

/** The list URL for a query, always a local path; only what differs from the first page's default. */
export function listUrl(q: Partial<ListQuery>): string {
  const p = new URLSearchParams();
  if (q.status) p.set('status', q.status);
  if (q.search) p.set('search', q.search);
  if (q.limit !== undefined && q.limit !== defaultPageSize) p.set('limit', String(q.limit));
  if (q.cursor) {
    p.set('cursor', q.cursor);
    if (q.start) p.set('start', String(q.start));
  }
  const s = p.toString();
  return s ? `/?${s}` : '/';
}
