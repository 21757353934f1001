// Aggregates Docker's per-layer pull messages into one percentage (bytes across layers). Pure.

export interface PullMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

interface Layer {
  total: number;
  downloaded: number;
  extracted: number;
}

export interface PullProgress {
  /** Feeds one message; returns the percentage so far (0..99) or null while no size is known. 100 is
   * for the caller to say once the pull has succeeded. */
  update(message: PullMessage): number | null;
}

/** Downloading and extracting each count for half: both take real time on a big layer. Layers that
 * already exist locally are left out, so they do not make a pull look further along than it is. */
export function createPullProgress(): PullProgress {
  const layers = new Map<string, Layer>();
  const percent = (): number | null => {
    let total = 0;
    let done = 0;
    for (const layer of layers.values()) {
      total += 2 * layer.total;
      done += Math.min(layer.downloaded, layer.total) + Math.min(layer.extracted, layer.total);
    }
    return total === 0 ? null : Math.min(99, Math.floor((done / total) * 100));
  };
  return {
    update(message) {
      const id = message.id;
      const status = message.status ?? '';
      const detail = message.progressDetail ?? {};
      if (!id || status === 'Already exists') return percent();
      let layer = layers.get(id);
      if (!layer) {
        if (!detail.total) return percent(); // Pulling fs layer, Waiting: size not known yet
        layer = { total: detail.total, downloaded: 0, extracted: 0 };
        layers.set(id, layer);
      }
      if (detail.total) layer.total = detail.total;
      if (status === 'Downloading') layer.downloaded = detail.current ?? layer.downloaded;
      else if (status === 'Verifying Checksum' || status === 'Download complete') layer.downloaded = layer.total;
      else if (status === 'Extracting') {
        layer.downloaded = layer.total;
        layer.extracted = detail.current ?? layer.extracted;
      } else if (status === 'Pull complete') {
        layer.downloaded = layer.total;
        layer.extracted = layer.total;
      }
      return percent();
    },
  };
}

/** Why a pull failed, in words a user can act on. */
export function pullFailureCause(message: string): string {
  if (/not found|manifest unknown|does not exist|repository .* not found|pull access denied|unauthorized/i.test(message)) {
    return `not found in registry (${message})`;
  }
  if (/dial tcp|no such host|connection refused|i\/o timeout|TLS handshake|server gave HTTP response|Client\.Timeout|network is unreachable|EOF/i.test(message)) {
    return `registry unreachable: ${message}`;
  }
  return `pull failed: ${message}`;
}
