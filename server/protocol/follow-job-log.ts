import { ErrorCode, isRpcError } from './errors.js';
import type { JobLogEndNotification, LogEndReason, LogStream } from './logs.js';
import type { CjmApi } from './methods.js';

// job.follow as a pull-based stream of chunks, shared by every client (web, TUI): the consumer's
// pace decides. It handles what each client used to redo by hand: a logEnd that beats the answer
// naming its subscription, a `dropped` follow resumed from the last byte taken, and the overlap a
// resume can repeat, trimmed. When more than highWaterBytes wait unread, the follow is cancelled
// and resumed later, so a slow consumer never makes its process hold a whole log in memory.

export interface JobLogPiece {
  stream: LogStream;
  data: string;
  offset: number;
  nextOffset: number;
  /** When cjm received the chunk's first byte (ISO 8601). */
  at: string;
}

export type JobLogFollowEvent = { kind: 'chunk'; chunk: JobLogPiece } | { kind: 'end'; reason: Exclude<LogEndReason, 'dropped'> | 'reached' | 'error'; offset: number };

export interface FollowJobLogOptions {
  from: number;
  /** Stop at this offset (a download of the log as it was when asked for). */
  until?: number;
  highWaterBytes?: number;
}

export interface JobLogFollower extends AsyncIterable<JobLogFollowEvent> {
  close(): void;
}

export function followJobLog(api: CjmApi, id: number, options: FollowJobLogOptions): JobLogFollower {
  const highWater = options.highWaterBytes ?? 1024 * 1024;
  const until = options.until;
  const queue: JobLogFollowEvent[] = [];
  let buffered = 0;
  /** The next byte we want: chunks are accepted only when they continue exactly from here. */
  let expected = options.from;
  let subscription: string | null = null;
  let following = false;
  let ended = false;
  let wake: (() => void) | null = null;
  const earlyEnds = new Map<string, JobLogEndNotification>();

  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  const finish = (reason: Extract<JobLogFollowEvent, { kind: 'end' }>['reason']) => {
    if (ended) return;
    ended = true;
    queue.push({ kind: 'end', reason, offset: expected });
    void stopFollowing();
    notify();
  };

  const offLog = api.on('job.log', (n) => {
    if (n.id !== id || ended || n.nextOffset <= expected) return; // another job, or already had it
    let data = n.data;
    if (n.offset < expected) data = Buffer.from(data).subarray(expected - n.offset).toString(); // overlap after a resume
    let next = n.nextOffset;
    if (until !== undefined && next > until) {
      data = Buffer.from(data).subarray(0, Buffer.byteLength(data) - (next - until)).toString();
      next = until;
    }
    queue.push({ kind: 'chunk', chunk: { stream: n.stream, data, offset: expected, nextOffset: next, at: n.at } });
    buffered += Buffer.byteLength(data);
    expected = next;
    if (until !== undefined && expected >= until) finish('reached');
    else if (buffered > highWater) void stopFollowing();
    notify();
  });

  const offEnd = api.on('job.logEnd', (n) => {
    if (n.id !== id || ended) return;
    if (subscription === null) {
      earlyEnds.set(n.subscription, n);
      return;
    }
    if (n.subscription === subscription) onEnd(n.reason);
  });

  function onEnd(reason: LogEndReason) {
    following = false;
    subscription = null;
    if (reason === 'dropped') {
      if (buffered <= highWater) void startFollowing();
      return;
    }
    finish(reason);
  }

  async function startFollowing() {
    if (following || ended) return;
    following = true;
    try {
      const r = await api.call('job.follow', { id, fromOffset: expected });
      if (following && !ended) subscription = r.subscription;
      const early = earlyEnds.get(r.subscription);
      earlyEnds.clear();
      if (early) onEnd(early.reason);
      else if (ended || !following) void api.call('job.unfollow', { subscription: r.subscription }).catch(() => undefined);
    } catch (e) {
      following = false;
      finish(isRpcError(e) && e.code === ErrorCode.JobNotFound ? 'removed' : 'error');
    }
  }

  async function stopFollowing() {
    const sub = subscription;
    following = false;
    subscription = null;
    if (sub) await api.call('job.unfollow', { subscription: sub }).catch(() => undefined);
  }

  if (until !== undefined && expected >= until) finish('reached');
  else void startFollowing();

  return {
    close() {
      offLog();
      offEnd();
      finish('finished');
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const ev = queue.shift();
        if (!ev) {
          if (!following && !ended) void startFollowing(); // drained after a pause: resume
          await new Promise<void>((r) => (wake = r));
          continue;
        }
        if (ev.kind === 'chunk') buffered -= Buffer.byteLength(ev.chunk.data);
        yield ev;
        if (ev.kind === 'end') return;
      }
    },
  };
}
