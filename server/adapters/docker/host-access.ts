// Whether jobs may open connections to the host itself (cjm's own port, MariaDB, Apache, sshd...).
// Docker's rules only cover forwarded traffic; a packet from a job to any of the host's addresses,
// the bridge gateway included, goes through INPUT. One chain, jumped to for every interface named
// like a user network's bridge (bridgePrefix), so it covers networks created later with no per-network
// rule to add or leave behind. Replies to connections the host opened (the endpoint proxy) pass.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ContainerStartError } from '../../core/errors.js';
import { bridgePrefix } from './user-networks.js';

export const hostAccessChain = 'CJM-JOBS-TO-HOST';

/** iptables argument lists (without the -A/-I/-C/-D verb). Pure, for the unit test. */
export function hostAccessRules(): { jump: string[]; rules: string[][] } {
  const tag = (text: string) => ['-m', 'comment', '--comment', `cjm: ${text}`];
  return {
    jump: ['INPUT', '-i', `${bridgePrefix}+`, ...tag('jobs on user networks to the host (CJM_JOBS_REACH_HOST)'), '-j', hostAccessChain],
    rules: [
      [hostAccessChain, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...tag('replies to connections the host opened'), '-j', 'ACCEPT'],
      // REJECT, not DROP: a job that tries gets "connection refused" at once instead of a hang.
      [hostAccessChain, ...tag('jobs may not reach the host; CJM_JOBS_REACH_HOST=true allows it'), '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
    ],
  };
}

/** Runs `iptables -w ARGS`; rejects with iptables's own message. */
export type Iptables = (args: string[]) => Promise<void>;

const execFileAsync = promisify(execFile);

// Docker drives the same `iptables` (nft or legacy alike); the rules live next to its own.
export const systemIptables: Iptables = async (args) => {
  await execFileAsync('iptables', ['-w', ...args]);
};

const succeeds = (p: Promise<void>) =>
  p.then(
    () => true,
    () => false,
  );

/** Idempotent, and safe to run from several servers at once: checks each rule before adding it, and
 * adds the ACCEPT before the REJECT, so any interleaving leaves replies accepted. */
export async function blockHostAccess(iptables: Iptables): Promise<void> {
  const { jump, rules } = hostAccessRules();
  await iptables(['-N', hostAccessChain]).catch(async (err: unknown) => {
    // "Chain already exists" is the normal case after the first start.
    if (!(await succeeds(iptables(['-S', hostAccessChain])))) throw err;
  });
  for (const rule of rules) if (!(await succeeds(iptables(['-C', ...rule])))) await iptables(['-A', ...rule]);
  if (!(await succeeds(iptables(['-C', ...jump])))) await iptables(['-I', jump[0]!, '1', ...jump.slice(1)]);
}

/** Removes the jump (every copy) and the chain; nothing to do when they are absent. */
export async function allowHostAccess(iptables: Iptables): Promise<void> {
  const { jump } = hostAccessRules();
  while (await succeeds(iptables(['-D', ...jump]))) {
    /* one copy removed */
  }
  if (await succeeds(iptables(['-F', hostAccessChain]))) await iptables(['-X', hostAccessChain]);
}

/** The host-access policy as a user network's precondition; a failure names the way out. */
export async function applyHostAccess(iptables: Iptables, allow: boolean): Promise<void> {
  try {
    await (allow ? allowHostAccess(iptables) : blockHostAccess(iptables));
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr;
    const detail = (typeof stderr === 'string' && stderr.trim() ? stderr : err instanceof Error ? err.message : String(err)).trim().split('\n')[0];
    const way = allow ? 'run cjm-server as root' : 'run cjm-server as root, or set CJM_JOBS_REACH_HOST=true to let jobs reach the host';
    throw new ContainerStartError(`could not ${allow ? 'lift' : 'set'} the rule that keeps jobs from reaching the host (iptables: ${detail}); ${way}`, { cause: err });
  }
}
