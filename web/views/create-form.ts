import type { FormErrors, FormField, JobFormValues } from '../job-form.js';
import { limits } from '#protocol';
import { presets } from '../presets.js';
import { csrfField } from './layout.js';
import { h, type Html } from './html.js';

/** The create form; with errors, each message sits right under its input and the typed values stay. */
export function createForm(v: JobFormValues, errors: FormErrors | null, csrf: string, open = false): Html {
  const err = (f: FormField) => errors?.fields[f];
  const attrs = (f: FormField) =>
    err(f) ? h` id="f-${f}" name="${f}" aria-invalid="true" aria-describedby="e-${f}"` : h` id="f-${f}" name="${f}"`;
  const message = (f: FormField) => (err(f) ? h`<p class="field-error" id="e-${f}">${labels[f]} ${err(f)}</p>` : '');
  // A <details> opens and closes without JavaScript; it starts open when there is something to see.
  return h`<details class="create" id="create"${open || errors ? ' open' : ''}>
<summary class="button primary" id="create-title">New job</summary>
<p class="presets">Start from an example: ${presets.map((p, i) => h`${i ? ' · ' : ''}<a href="/?preset=${p.id}#create" data-preset="${p.id}">${p.label}</a>`)}</p>
${errors?.general ? h`<p class="flash flash-error" role="alert" id="create-error">${errors.general}</p>` : ''}
${errors && Object.keys(errors.fields).length > 0 ? h`<p class="flash flash-error" role="alert">The job was not created: fix the marked fields.</p>` : ''}
<form method="post" action="/jobs" class="create-form" novalidate>
${csrfField(csrf)}
<div class="field${err('name') ? ' invalid' : ''}"><label for="f-name">Name</label><input type="text"${attrs('name')} value="${v.name}" required maxlength="${limits.nameMax}" autocomplete="off" placeholder="hello-1">${message('name')}</div>
<div class="field${err('image') ? ' invalid' : ''}"><label for="f-image">Image</label><input type="text"${attrs('image')} value="${v.image}" required maxlength="${limits.imageMax}" placeholder="busybox">${message('image')}</div>
<div class="field wide${err('cmd') ? ' invalid' : ''}"><label for="f-cmd">Command <small>(run with /bin/sh -c)</small></label><textarea${attrs('cmd')} rows="3" required spellcheck="false" placeholder="echo hello; sleep 10">${v.cmd}</textarea>${message('cmd')}</div>
<div class="field${err('cpus') ? ' invalid' : ''}"><label for="f-cpus">CPUs</label><input type="number"${attrs('cpus')} value="${v.cpus}" step="0.01" min="${limits.cpusMin}" inputmode="decimal" required>${message('cpus')}</div>
<div class="field${err('memoryMb') ? ' invalid' : ''}"><label for="f-memoryMb">Memory (MB)</label><input type="number"${attrs('memoryMb')} value="${v.memoryMb}" step="1" min="${limits.memoryMbMin}" inputmode="numeric" required>${message('memoryMb')}</div>
<div class="field${err('ioWeight') ? ' invalid' : ''}"><label for="f-ioWeight">IO weight <small>(${limits.ioWeightMin}–${limits.ioWeightMax})</small></label><input type="number"${attrs('ioWeight')} value="${v.ioWeight}" step="1" min="${limits.ioWeightMin}" max="${limits.ioWeightMax}" inputmode="numeric">${message('ioWeight')}</div>
<div class="field${err('pidsLimit') ? ' invalid' : ''}"><label for="f-pidsLimit">Process limit</label><input type="number"${attrs('pidsLimit')} value="${v.pidsLimit}" step="1" min="1" max="${limits.pidsLimitMax}" inputmode="numeric">${message('pidsLimit')}</div>
<div class="field${err('timeoutSeconds') ? ' invalid' : ''}"><label for="f-timeoutSeconds">Timeout (s) <small>(optional)</small></label><input type="number"${attrs('timeoutSeconds')} value="${v.timeoutSeconds}" step="1" min="0" inputmode="numeric" placeholder="none">${message('timeoutSeconds')}</div>
<div class="field${err('network') ? ' invalid' : ''}"><label for="f-network">Network</label><select${attrs('network')}>
  <option value="bridge"${v.network !== 'none' ? ' selected' : ''}>bridge (internet access)</option>
  <option value="none"${v.network === 'none' ? ' selected' : ''}>none (isolated)</option>
</select>${message('network')}</div>
<div class="field${err('ports') ? ' invalid' : ''}"><label for="f-ports">Ports <small>(optional, e.g. 8000)</small></label><input type="text"${attrs('ports')} value="${v.ports}" inputmode="numeric" autocomplete="off" placeholder="8000">${message('ports')}</div>
<div class="field wide${err('env') ? ' invalid' : ''}"><label for="f-env">Environment <small>(optional, KEY=VALUE per line)</small></label><textarea${attrs('env')} rows="2" spellcheck="false" placeholder="GREETING=hello">${v.env}</textarea>${message('env')}</div>
<div class="submit"><button type="submit" class="primary">Create job</button></div>
</form>
</details>`;
}

const labels: Record<FormField, string> = {
  name: 'Name',
  image: 'Image',
  cmd: 'Command',
  cpus: 'CPUs',
  memoryMb: 'Memory',
  ioWeight: 'IO weight',
  pidsLimit: 'Process limit',
  ports: 'Ports',
  timeoutSeconds: 'Timeout',
  env: 'Environment',
  network: 'Network',
};
