// From one frame to its reply, for any transport: parse, rate-limit, run each request through the
// shared JSONRPCServer, assemble the reply (a batch always as an array).
import type { JSONRPCRequest, JSONRPCResponse, JSONRPCServer } from 'json-rpc-2.0';
import { ErrorCode } from '../protocol/index.js';
import { batchReply, errorResponse, parseFrame, type FrameItem } from './frames.js';
import { rateLimitMessage, type RateLimitOptions } from './rate-limit.js';
import type { CallContext, Session } from './session.js';

export interface FrameReply {
  /** The reply frame, or null when nothing is to be sent (only notifications). */
  reply: JSONRPCResponse | JSONRPCResponse[] | null;
  /** Run these once the reply has been sent. */
  afterReply: (() => void)[];
}

export interface Dispatcher {
  frame(session: Session, data: string | Buffer): Promise<FrameReply>;
  /** One request, already parsed (the in-process LocalApi). */
  request(session: Session, request: JSONRPCRequest): Promise<FrameReply>;
}

export function createDispatcher(
  server: JSONRPCServer<CallContext>,
  options: { maxFrameBytes: number; rateLimit: RateLimitOptions; nowMs?: () => number },
): Dispatcher {
  const nowMs = options.nowMs ?? (() => performance.now());
  const limited = rateLimitMessage(options.rateLimit);

  async function run(session: Session, item: FrameItem, ctx: CallContext): Promise<JSONRPCResponse | null> {
    if ('reject' in item) return item.reject;
    const { request } = item;
    if (!session.limiter.take(nowMs())) {
      return request.id === undefined ? null : errorResponse(request.id, ErrorCode.QuotaExceeded, limited);
    }
    return server.receive(request, ctx);
  }

  return {
    async frame(session, data) {
      const parsed = parseFrame(data, options.maxFrameBytes);
      const ctx: CallContext = { session, afterReply: [] };
      if (parsed.kind === 'error') {
        // A garbage frame still costs a token, so a flood of them is throttled like any other.
        session.limiter.take(nowMs());
        return { reply: parsed.response, afterReply: [] };
      }
      if (parsed.kind === 'single') return { reply: await run(session, parsed.item, ctx), afterReply: ctx.afterReply };
      const responses = await Promise.all(parsed.items.map((item) => run(session, item, ctx)));
      return { reply: batchReply(responses), afterReply: ctx.afterReply };
    },
    async request(session, request) {
      const ctx: CallContext = { session, afterReply: [] };
      return { reply: await run(session, { request }, ctx), afterReply: ctx.afterReply };
    },
  };
}
