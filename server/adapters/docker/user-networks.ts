// One bridge network per user, so one user's jobs cannot reach another's: Docker isolates separate
// bridge networks from each other (its DOCKER-ISOLATION chains). Created on first use, removed with
// the last container that refers to it; the reconcile prunes what a killed server left behind.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { createKeyedQueue } from '../../core/keyed-queue.js';
import { ContainerStartError } from '../../core/errors.js';
import type { Logger } from '../../core/ports.js';
import { instanceLabel, managedFilters, managedLabel } from './container-config.js';
import { cleanDockerMessage, mapDockerError, statusCodeOf } from './errors.js';

/** On networks: which user (hashed) the network belongs to. */
export const userHashLabel = 'cjm.user-hash';
/** Every user network's bridge interface starts with this, so one firewall rule (host-access.ts)
 * covers them all, present and future. */
export const bridgePrefix = 'cjm-';

/** 11 hex digits: the bridge name must fit Linux's 15 characters (IFNAMSIZ - 1). The instance is
 * hashed in so that two cjm servers sharing a dockerd never share a user's network. */
export function userHash(user: string, instance: string | undefined): string {
  return createHash('sha256')
    .update(`${instance ?? ''}\0${user}`)
    .digest('hex')
    .slice(0, 11);
}

export const userNetworkName = (hash: string): string => `cjm-u-${hash}`;
export const bridgeName = (hash: string): string => `${bridgePrefix}${hash}`;

/** `overlay`: the swarm runtime's, one attachable overlay per user across the nodes, where a user's
 * jobs reach each other by name (separate overlays are separate VXLANs). */
export function userNetworkConfig(user: string, instance: string | undefined, driver: 'bridge' | 'overlay' = 'bridge'): Docker.NetworkCreateOptions {
  const hash = userHash(user, instance);
  const labels = {
    [managedLabel]: 'true',
    [userHashLabel]: hash,
    ...(instance === undefined ? {} : { [instanceLabel]: instance }),
  };
  if (driver === 'overlay') return { Name: userNetworkName(hash), Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: labels };
  return {
    Name: userNetworkName(hash),
    Driver: 'bridge',
    // Best effort only (not atomic in Docker): the per-name lock and settle() do the real work.
    CheckDuplicate: true,
    // No Subnet: Docker takes the next range from its default-address-pools.
    Options: {
      'com.docker.network.bridge.name': bridgeName(hash),
      // A user's own jobs talk to each other (a web server and its client).
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
    },
    Labels: labels,
  };
}

/** Docker's answer when default-address-pools has no free range left. */
export function isPoolExhausted(message: string): boolean {
  return /non-overlapping.*address pool|address pools? (have|has) been exhausted|no available network/i.test(message);
}

export const poolExhaustedMessage =
  "no free address range for the user network (Docker's default-address-pools is exhausted; see README, Networks)";

export interface UserNetworks {
  /** Runs create (a container create naming the network) with the owner's network in place; no
   * removal of that network can come in between. */
  withNetwork<T>(owner: string, create: (network: { id: string; name: string }) => Promise<T>): Promise<T>;
  /** Removes the network unless a container (in any state) still refers to it. Never throws. */
  release(name: string): Promise<void>;
  /** Removes every user network of this instance that no container refers to; returns their names. */
  prune(): Promise<string[]>;
}

export interface UserNetworksDeps {
  docker: Docker;
  logger: Logger;
  /** The runtime's gate for one Docker call (waits while Docker answers pings). */
  call: <T>(what: string, work: () => Promise<T>) => Promise<T>;
  /** Runs once before the first network is used (the host firewall); a failure fails that create. */
  beforeFirstUse?: () => Promise<void>;
  /** Whether anything still refers to the network (by default: a container, in any state; the swarm
   * runtime: a service). `byName`: match the name as well as the id. */
  inUse?: (network: { id: string; name: string }, byName: boolean) => Promise<boolean>;
}

interface NetworkRow {
  Id: string;
  Name: string;
  Created?: string;
}

export function createUserNetworks(deps: UserNetworksDeps, options: { instance?: string; driver?: 'bridge' | 'overlay' }): UserNetworks {
  const { docker, logger, call } = deps;
  const { instance } = options;
  // Per network name: ensure+create and check+remove never interleave within this server.
  const locks = createKeyedQueue<string>();
  /** Networks with container creates in flight (ensured, not yet released): never removed meanwhile. */
  const inFlight = new Map<string, { network: { id: string; name: string }; count: number }>();
  let prepared: Promise<void> | null = null;

  const prepare = (): Promise<void> => {
    if (!deps.beforeFirstUse) return Promise.resolve();
    prepared ??= deps.beforeFirstUse().catch((e: unknown) => {
      prepared = null; // try again on the next create
      throw e;
    });
    return prepared;
  };

  /** Our networks of that exact name (Docker's name filter matches substrings), oldest first. */
  const find = async (name: string): Promise<NetworkRow[]> => {
    const rows = (await call('network list', () => docker.listNetworks({ filters: { name: [name], label: managedFilters(instance) } }))) as NetworkRow[];
    return rows
      .filter((n) => n.Name === name)
      .sort((a, b) => Date.parse(a.Created ?? '') - Date.parse(b.Created ?? '') || a.Id.localeCompare(b.Id));
  };

  const inUse = async (row: NetworkRow, byName = true): Promise<boolean> => {
    if (deps.inUse) return deps.inUse({ id: row.Id, name: row.Name }, byName);
    // Containers of every state: a created or exited container keeps its network in its config, and
    // Docker would remove the network under it (its start would then fail with "network not found").
    // By name too: a created, never started container matches only by name (its NetworkID is empty
    // until start); values of one filter are or-ed.
    const list = await call('container list', () => docker.listContainers({ all: true, filters: { network: byName ? [row.Name, row.Id] : [row.Id] } }));
    return list.length > 0;
  };

  const removeNetwork = async (id: string): Promise<void> => {
    try {
      await call('network remove', () => docker.getNetwork(id).remove());
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  };

  /** Docker allows two networks of one name (another process racing us, CheckDuplicate being best
   * effort) but then refuses containers on either ("ambiguous", even given the id): all keep the
   * oldest and remove the others that no container uses. */
  const settle = async (name: string): Promise<NetworkRow | undefined> => {
    const [oldest, ...others] = await find(name);
    for (const row of others) {
      // By id: the name matches the containers of the oldest as well.
      if (await inUse(row, false)) continue;
      logger.warn({ network: name, id: row.Id }, 'removing a second user network of the same name; keeping the older one');
      await removeNetwork(row.Id);
    }
    return oldest;
  };

  const ensure = async (owner: string): Promise<{ id: string; name: string }> => {
    const config = userNetworkConfig(owner, instance, options.driver);
    const name = config.Name;
    const existing = await settle(name);
    if (existing) return { id: existing.Id, name };
    await prepare();
    try {
      await call('network create', () => docker.createNetwork(config));
    } catch (err) {
      if (isPoolExhausted(cleanDockerMessage(err))) throw new ContainerStartError(poolExhaustedMessage, { cause: err });
      // Another process made it first ("already exists", or its bridge name taken): use theirs.
      const theirs = await settle(name);
      if (theirs) return { id: theirs.Id, name };
      throw err;
    }
    const made = await settle(name);
    if (!made) throw new ContainerStartError('the user network vanished right after it was created');
    logger.info({ network: name, owner }, 'created user network');
    return { id: made.Id, name };
  };

  const releaseLocked = async (row: NetworkRow): Promise<boolean> => {
    if (await inUse(row)) return false;
    await removeNetwork(row.Id);
    return true;
  };

  const release = async (name: string): Promise<void> => {
    try {
      await locks.run(name, async () => {
        if (inFlight.has(name)) return; // a create is using it right now
        for (const row of await find(name)) if (await releaseLocked(row)) logger.info({ network: name }, 'removed user network (its last job is gone)');
      });
    } catch (err) {
      // The reconcile's prune catches it later; a job removal must not fail over its network.
      logger.warn({ err, network: name }, 'could not remove a user network; the next reconcile will');
    }
  };

  return {
    async withNetwork(owner, create) {
      const name = userNetworkName(userHash(owner, instance));
      // Only the ensure runs under the lock: one user's creates then go to Docker side by side (a
      // burst of one user's jobs is not serialised), and a removal waits until none is in flight.
      const entry = await locks.run(name, async () => {
        let e = inFlight.get(name);
        if (!e) {
          const network = await ensure(owner).catch((err: unknown) => {
            if (err instanceof ContainerStartError) throw err;
            // Socket trouble stays 5003-shaped; Docker's own refusal becomes the job's reason.
            throw mapDockerError(err, (x) => new ContainerStartError(`could not set up the user network: ${cleanDockerMessage(x)}`, { cause: x }));
          });
          e = { network, count: 0 };
          inFlight.set(name, e);
        }
        e.count += 1;
        return e;
      });
      let failed = false;
      try {
        return await create(entry.network);
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        entry.count -= 1;
        if (entry.count === 0) inFlight.delete(name);
        // A first job that fails to be created leaves no empty network behind.
        if (failed && entry.count === 0) await release(name);
      }
    },

    release,

    async prune() {
      // The reconcile at start applies the host-access policy too, so a changed CJM_JOBS_REACH_HOST
      // takes effect before any job starts.
      await prepare().catch((err: unknown) => logger.warn({ err }, 'host-access rule not applied; bridge jobs will fail until it is'));
      let rows: NetworkRow[];
      try {
        rows = (await call('network list', () => docker.listNetworks({ filters: { label: [...managedFilters(instance), userHashLabel] } }))) as NetworkRow[];
      } catch (err) {
        throw mapDockerError(err);
      }
      const removed: string[] = [];
      for (const row of rows) {
        const gone = await locks.run(row.Name, async () => (inFlight.has(row.Name) ? false : releaseLocked(row))).catch((err: unknown) => {
          logger.warn({ err, network: row.Name }, 'could not prune a user network');
          return false;
        });
        if (gone) removed.push(row.Name);
      }
      if (removed.length > 0) logger.info({ networks: removed }, 'removed user networks no job uses');
      return removed;
    },
  };
}
