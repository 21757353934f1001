import type { z } from 'zod';
import { invalidParams, invalidParamsList, type InvalidParamsData } from './errors.js';
import { methods, type MethodName, type ValidParamsOf } from './methods.js';

/** Validate params for a method; throws RpcError -32602 naming the first bad field, with every bad
 * field in data.errors (a form can mark them all at once). Absent params (JSON-RPC allows omitting
 * them) count as `{}`. Positional (array) params are refused. */
export function validateParams<M extends MethodName>(method: M, params: unknown): ValidParamsOf<M> {
  if (params === undefined) params = {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw invalidParams('params', 'must be an object with named fields');
  }
  const parsed = (methods[method].params as z.ZodType).safeParse(params);
  if (!parsed.success) throw invalidParamsList(problemsOf(parsed.error.issues, params));
  return parsed.data as ValidParamsOf<M>;
}

/** One problem per bad field, in zod's order (a field failing several checks is named once). */
function problemsOf(issues: readonly z.core.$ZodIssue[], params: object): InvalidParamsData[] {
  const byField = new Map<string, string>();
  for (const issue of issues) {
    for (const p of issueProblems(issue, params)) if (!byField.has(p.field)) byField.set(p.field, p.reason);
  }
  return [...byField].map(([field, reason]) => ({ field, reason }));
}

function issueProblems(issue: z.core.$ZodIssue, params: object): InvalidParamsData[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: joinPath([...issue.path, key]), reason: 'unknown field' }));
  }
  const field = issue.path.length ? joinPath(issue.path) : 'params';
  return [{ field, reason: reasonOf(issue, valueAt(params, issue.path)) }];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function reasonOf(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type') {
    // zod's default reads "Invalid input: expected number, received string"; say it plainly.
    if (value === undefined) return 'is required';
    if (issue.expected === 'number' && typeof value === 'number') return 'must be a finite number';
    if (issue.expected === 'int') return 'must be a whole number';
    return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
  }
  if (issue.code === 'invalid_key' || issue.code === 'invalid_element') {
    return issue.issues[0]?.message ?? issue.message;
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return issue.message;
}
