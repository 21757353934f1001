import type { JobFormValues } from './job-form.js';

// The README's four classic examples ("The four classic examples"), as form values: one click
// fills the form, the user still presses Create.

export interface Preset {
  id: string;
  label: string;
  values: Partial<JobFormValues>;
}

export const presets: readonly Preset[] = [
  {
    id: 'hello',
    label: 'Hello, then wait',
    values: { name: 'teste-hello', image: 'busybox', cmd: 'echo "Hello from Cloud Job Manager!" && sleep 60', cpus: '0.5', memoryMb: '128', ioWeight: '500' },
  },
  {
    id: 'webserver',
    label: 'Web server',
    values: {
      name: 'webserver',
      image: 'busybox',
      cmd: 'mkdir -p /www && echo hello > /www/index.html && httpd -f -p 8000 -h /www',
      cpus: '1',
      memoryMb: '256',
      ioWeight: '700',
      network: 'bridge',
      ports: '8000',
    },
  },
  {
    id: 'monitor-time',
    label: 'Date every 5 s',
    values: { name: 'monitor-time', image: 'busybox', cmd: 'while true; do date; sleep 5; done', cpus: '0.2', memoryMb: '64', ioWeight: '300' },
  },
  {
    id: 'stress',
    label: 'CPU-bound, 30 s',
    values: { name: 'stress-test', image: 'busybox', cmd: 'while :; do :; done', timeoutSeconds: '30', cpus: '0.5', memoryMb: '256', ioWeight: '500' },
  },
];
