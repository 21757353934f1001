// Substring search over jobs' names and images through a trigram side table (sql/003), so that
// job.list {search} reads a few index ranges instead of every row. Pure: the store runs the SQL.
//
// How a search runs (job-store.ts):
// - Every job that contains the term contains each of the term's trigrams, so the jobs holding
//   all of them are a superset of the answer; LIKE on name/image then keeps the true matches
//   (and stays the definition of "matches": case- and accent-insensitive by the collation).
// - A probe counts, up to `probeCap`, the jobs behind each of (at most `maxProbes`) trigrams and
//   behind the caller's own filter (owner/status/cursor). A trigram with none ends the search. The
//   smallest list drives: the rarest trigram's jobs newest first, each row checked with LIKE (and
//   the filter); or, when the filter is the smaller list (one user with few jobs), the filtered
//   rows newest first with LIKE, as before. Either way the walk stops at the page size.
// - Terms shorter than 3 characters have no trigram: LIKE over the jobs whose ids lie within
//   `shortTermWindow` of the newest id (or of the cursor). Bounded, but a rare 1-2 character term
//   finds nothing older than that window; three characters search everything.
// Trade-offs: about as many side-table rows per job as characters in its name and image (some
// 2.5 M rows for 100,000 jobs), written with the job; a term whose trigrams are each in many jobs
// but rarely together walks the rarest one's list (at most its length, never more than the table);
// collation expansions (ß = ss) are matched as LIKE matches them only when they fall inside one
// trigram. FULLTEXT was not an option: its ngram parser exists on MySQL only, not MariaDB.

/** Characters per gram. */
export const gramLength = 3;
/** Trigrams of a term probed at most (spread over the term); the rest are left to LIKE. */
export const maxProbes = 8;
/** The probe stops counting a list here: beyond it, a list is "long". */
export const probeCap = 500;
/** How many ids back from the newest (or the cursor) a 1-2 character term looks. */
export const shortTermWindow = 10_000;

/** The distinct 3-character windows of text, by code point (as MySQL counts characters), as
 * written: the collation compares them without regard to case, and lower-casing here could change
 * the number of characters ('İ' becomes two), so windows would no longer line up with the SQL
 * backfill's. */
export function trigrams(text: string): string[] {
  const chars = Array.from(text);
  const grams = new Set<string>();
  for (let i = 0; i + gramLength <= chars.length; i++) grams.add(chars.slice(i, i + gramLength).join(''));
  return [...grams];
}

/** The trigrams stored for a job: those of its name and of its image. */
export function jobTrigrams(job: { name: string; image: string }): string[] {
  return [...new Set([...trigrams(job.name), ...trigrams(job.image)])];
}

/** The trigrams of a search term worth probing: all of them, or `maxProbes` spread evenly from
 * first to last when there are more. Empty for a term shorter than 3 characters. */
export function probeTrigrams(term: string): string[] {
  const grams = trigrams(term);
  if (grams.length <= maxProbes) return grams;
  const step = (grams.length - 1) / (maxProbes - 1);
  return Array.from({ length: maxProbes }, (_, k) => grams[Math.round(k * step)] ?? '');
}
