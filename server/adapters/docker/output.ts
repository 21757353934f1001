// A container's output as an ordered stream of chunks, from Docker's multiplexed stream format:
// each frame is an 8-byte header (byte 0: 1 stdout / 2 stderr; bytes 4-7: big-endian length) then
// the payload. 'attach' (before start) sees output live and fast; 'logs' replays Docker's own copy
// (the `local` log driver, byte for byte) with timestamps, which is how capture resumes after a
// server restart. Needs Tty: false (as container-config sets): a TTY container's output is one raw
// stream without frames.
import type Docker from 'dockerode';
import type { OutputChunk, OutputSource } from '../../core/ports.js';
import type { LogStream } from '../../protocol/index.js';

export interface OutputSourceOptions {
  /** Only for 'logs': start at this time (Docker's `since`). */
  since?: Date;
  /** Default: 'logs' when since is given, else 'attach'. */
  mode?: 'attach' | 'logs';
}

export interface Frame {
  stream: LogStream;
  payload: Buffer;
}

const HEADER = 8;

/** Incremental frame parser: push raw bytes, get the complete frames so far, in order. */
export function createFrameParser(): { push(data: Buffer): Frame[]; pendingBytes(): number } {
  let parts: Buffer[] = [];
  let buffered = 0;
  let need = HEADER; // bytes needed before the next frame can be parsed

  return {
    push(data) {
      if (data.length === 0) return [];
      parts.push(data);
      buffered += data.length;
      if (buffered < need) return [];
      const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, buffered);
      const frames: Frame[] = [];
      let pos = 0;
      need = HEADER;
      while (buf.length - pos >= HEADER) {
        const size = buf.readUInt32BE(pos + 4);
        if (buf.length - pos - HEADER < size) {
          need = HEADER + size;
          break;
        }
        const payload = buf.subarray(pos + HEADER, pos + HEADER + size);
        if (size > 0) frames.push({ stream: buf[pos] === 2 ? 'stderr' : 'stdout', payload });
        pos += HEADER + size;
      }
      const rest = buf.subarray(pos);
      parts = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      return frames;
    },
    pendingBytes: () => buffered,
  };
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Splits Docker's `timestamps=true` prefix ("2026-11-26T16:07:46.827058626Z ") off a payload.
 * Returns null time when the payload has no parsable prefix (then nothing is removed). */
export function splitTimestamp(payload: Buffer): { time: Date | null; data: Buffer } {
  const space = payload.indexOf(0x20);
  if (space < 20 || space > 40) return { time: null, data: payload };
  const m = TIMESTAMP.exec(payload.toString('latin1', 0, space));
  if (!m) return { time: null, data: payload };
  const ms = Date.parse(`${m[1]}${(m[2] ?? '').slice(0, 4)}${m[3]}`);
  if (Number.isNaN(ms)) return { time: null, data: payload };
  return { time: new Date(ms), data: payload.subarray(space + 1) };
}

/** "2026-11-26T16:07:46.827": a timestamp prefix through its milliseconds. */
const MS_STAMP = 23;

/** One read of a 'logs' replay as chunks: each frame's timestamp split off, and neighbouring frames
 * of one stream stamped in the same millisecond joined (times are kept to the millisecond anyway).
 * A replay of short lines is a frame per line: 5,000,000 chunks for `seq 1 5000000`, 88,402 joined.
 * A frame stamped like the one before it is not parsed again. */
export function timedChunks(frames: readonly Frame[], received: Date): OutputChunk[] {
  const out: OutputChunk[] = [];
  let group = null as OutputChunk | null;
  let parts: Buffer[] = [];
  // The last parsed prefix (when it has milliseconds) and where its space was.
  let stamp: Buffer | null = null;
  let space = 0;
  let time = received;
  const flush = () => {
    if (group) out.push({ ...group, data: parts.length === 1 ? parts[0]! : Buffer.concat(parts) });
  };
  for (const { stream, payload } of frames) {
    let data: Buffer;
    if (stamp && payload[space] === 0x20 && payload.compare(stamp, 0, MS_STAMP, 0, MS_STAMP) === 0) {
      data = payload.subarray(space + 1);
    } else {
      const split = splitTimestamp(payload);
      data = split.data;
      time = split.time ?? received;
      space = payload.length - data.length - 1;
      stamp = split.time && space > MS_STAMP && payload[19] === 0x2e ? payload.subarray(0, MS_STAMP) : null;
    }
    if (data.length === 0) continue;
    if (group?.stream === stream && group.time === time) {
      parts.push(data);
      continue;
    }
    flush();
    group = { stream, data, time };
    parts = [data];
  }
  flush();
  return out;
}

/** Opens the container's output. The iterator ends when the container's output ends (it exits), or
 * after close(). Errors of the connection (container gone, dockerd gone) are thrown from next(). */
export async function createOutputSource(docker: Docker, containerId: string, options: OutputSourceOptions): Promise<OutputSource> {
  const mode = options.mode ?? (options.since ? 'logs' : 'attach');
  const container = docker.getContainer(containerId);
  const raw: NodeJS.ReadableStream =
    mode === 'attach'
      ? await container.attach({ stream: true, stdout: true, stderr: true })
      : await container.logs({
          follow: true,
          stdout: true,
          stderr: true,
          timestamps: true,
          since: options.since ? options.since.getTime() / 1000 : 0,
        });
  return outputFromStream(raw, mode === 'logs');
}

/** Chunks from a stream in Docker's multiplexed format (a container's attach or logs, a service's
 * logs); withTimestamps: each frame starts with Docker's timestamp. */
export function outputFromStream(raw: NodeJS.ReadableStream, withTimestamps: boolean): OutputSource {
  let closed = false;

  async function* chunks(): AsyncGenerator<OutputChunk> {
    const parser = createFrameParser();
    try {
      for await (const data of raw) {
        const received = new Date();
        const frames = parser.push(typeof data === 'string' ? Buffer.from(data) : data);
        if (withTimestamps) yield* timedChunks(frames, received);
        else for (const frame of frames) yield { stream: frame.stream, data: frame.payload, time: received };
      }
    } catch (err) {
      if (!closed) throw err;
    } finally {
      destroy(raw);
    }
  }

  const iterator = chunks();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close() {
      closed = true;
      destroy(raw);
    },
  };
}

function destroy(stream: NodeJS.ReadableStream): void {
  const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
  s.destroy?.();
}
