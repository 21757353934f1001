// ensureImage: inspect, else pull while reporting "pulling image N%".
import type Docker from 'dockerode';
import { ImageUnavailableError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import { cleanDockerMessage, isConnectionError, mapDockerError, statusCodeOf, withTimeout } from './errors.js';
import type { DockerGate } from './call-gate.js';
import { createLineSplitter } from './event-map.js';
import { createPullProgress, pullFailureCause, type PullMessage } from './pull-progress.js';

export interface PullOptions {
  /** How a quick call (image inspect) is made: the runtime's gate. */
  call: DockerGate['call'];
  /** A pull that reports nothing for this long is given up. */
  stallTimeoutMs: number;
  /** At most one progress report per this many ms. */
  progressIntervalMs: number;
}

/** "busybox" -> "busybox:latest"; refs with a tag or digest stay as they are. */
export function withDefaultTag(image: string): string {
  if (image.includes('@')) return image;
  const lastSlash = image.lastIndexOf('/');
  return image.slice(lastSlash + 1).includes(':') ? image : `${image}:latest`;
}

export async function ensureImage(
  docker: Docker,
  clock: Clock,
  image: string,
  onProgress: (progress: string) => void,
  options: PullOptions,
): Promise<void> {
  try {
    await options.call('image inspect', () => docker.getImage(image).inspect());
    return;
  } catch (err) {
    if (statusCodeOf(err) !== 404) throw mapDockerError(err, (e) => new ImageUnavailableError(image, cleanDockerMessage(e)));
  }
  onProgress('pulling image');
  let stream: NodeJS.ReadableStream & { destroy?: () => void };
  try {
    stream = (await withTimeout('image pull', options.stallTimeoutMs, docker.pull(withDefaultTag(image)))) as typeof stream;
  } catch (err) {
    throw mapDockerError(err, (e) => new ImageUnavailableError(image, pullFailureCause(cleanDockerMessage(e))));
  }
  const lastPercent = await new Promise<number | null>((resolve, reject) => {
    const progress = createPullProgress();
    let lastReport = 0;
    let lastPercent: number | null = null;
    let failure: string | null = null;
    let settled = false;
    let cancelStall = () => {};
    const armStall = () => {
      cancelStall();
      cancelStall = clock.setTimer(options.stallTimeoutMs, () =>
        finish(new ImageUnavailableError(image, `registry unreachable: no progress for ${Math.round(options.stallTimeoutMs / 1000)} s`)),
      );
    };
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      cancelStall();
      stream.destroy?.();
      if (err) reject(err);
      else resolve(lastPercent);
    };
    armStall();
    stream.on(
      'data',
      createLineSplitter((line) => {
        armStall();
        let message: PullMessage;
        try {
          message = JSON.parse(line) as PullMessage;
        } catch {
          return;
        }
        if (message.error || message.errorDetail?.message) {
          failure = cleanDockerMessage({ message: message.errorDetail?.message ?? message.error });
          return;
        }
        const percent = progress.update(message);
        const now = clock.now().getTime();
        if (percent !== null && (lastPercent === null || percent > lastPercent) && now - lastReport >= options.progressIntervalMs) {
          lastReport = now;
          lastPercent = percent;
          onProgress(`pulling image ${percent}%`);
        }
      }),
    );
    stream.on('error', (err: unknown) =>
      finish(isConnectionError(err) ? mapDockerError(err) : new ImageUnavailableError(image, pullFailureCause(cleanDockerMessage(err)))),
    );
    stream.on('end', () => finish(failure === null ? undefined : new ImageUnavailableError(image, pullFailureCause(failure))));
    stream.on('close', () => finish(failure === null ? undefined : new ImageUnavailableError(image, pullFailureCause(failure))));
  });
  // A stream can end early without an error line (daemon trouble): trust only the image being there.
  try {
    await options.call('image inspect', () => docker.getImage(image).inspect());
  } catch (err) {
    throw mapDockerError(err, () => new ImageUnavailableError(image, 'pull ended but the image is not there'));
  }
  // The final 100% goes out unthrottled so a client never sees a finished pull stuck at 97%.
  if (lastPercent !== 100) onProgress('pulling image 100%');
}
