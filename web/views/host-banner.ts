import type { HostLimits, LimitKey } from '../types.js';
import { h, type Html } from './html.js';

const names: Record<LimitKey, string> = { cpus: 'CPU limits', memory: 'Memory limits', ioWeight: 'IO weight', pids: 'Process limits' };

/** Limits this host enforces for no job, said once at the top of the page with why and how to fix
 * it (the README's instructions), instead of a warning on every row. */
export function hostBanner(host: HostLimits): Html | '' {
  if (host.limits.length === 0) return '';
  // Collapsed to its title line: on a phone the explanation would push the page down a screen.
  return h`<aside class="banner" id="host-banner" aria-labelledby="host-banner-title"><details>
<summary><strong id="host-banner-title">⚠ ${host.limits.map((k) => names[k]).join(', ')} not enforced on this host</strong> <span class="banner-more">why, and how to fix it</span></summary>
${host.limits.includes('ioWeight')
    ? h`<p>Docker discards <code>--blkio-weight</code> unless the kernel has the old CFQ disk scheduler, which modern kernels no longer have. IO weights do work with the <strong>BFQ</strong> scheduler, which cjm then applies itself. Check the disk's scheduler (the active one is in brackets): <code>cat /sys/block/sda/queue/scheduler</code>.</p>
<p>Fix until reboot: <code>sudo modprobe bfq; echo bfq | sudo tee /sys/block/sda/queue/scheduler</code>. For good: <code>sudo CJM_IOSCHED=bfq provision/provision.sh</code>. Jobs created after the switch are weighted.</p>`
    : ''}
${host.note ? h`<p class="muted">Server: ${host.note}</p>` : ''}
</details></aside>`;
}
