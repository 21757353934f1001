// Redirect targets that come from the request (?next=, a form's back field) must stay on this site.

/** `value` when it is a path on this site (`/x?y`), else `fallback`. Refuses `//host`, `/\host`,
 * absolute URLs and control characters, which browsers would take to another origin. */
export function localPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value === '' || value.length > 2000) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, 'http://local.invalid');
  } catch {
    return fallback;
  }
  if (url.origin !== 'http://local.invalid') return fallback;
  return `${url.pathname}${url.search}`;
}

/** A job id from a route parameter: a positive integer, else null. */
export function jobIdParam(value: string | undefined): number | null {
  if (!value || !/^[1-9][0-9]{0,15}$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}
