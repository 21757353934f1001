import { RpcError } from '../../server/protocol/index.js';
import type { CjmApi, Job } from '../../server/protocol/index.js';

/** Polls job.get until pred holds; fails with the last state seen so a timeout says what happened. */
export async function waitForJob(api: CjmApi, id: number, pred: (job: Job) => boolean, timeoutMs = 30_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  let last: Job | undefined;
  while (Date.now() < deadline) {
    last = await api.call('job.get', { id });
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not reach the expected state within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

/** The RpcError a call fails with; fails the test if it succeeds or fails some other way. */
export async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('expected an RpcError, the call succeeded');
}
