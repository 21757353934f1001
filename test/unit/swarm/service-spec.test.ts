// Job -> swarm service spec, and swarm task -> ContainerState: the pure halves of the swarm runtime.
import { describe, expect, it } from 'vitest';
import { serviceSpec } from '../../../server/adapters/swarm/service-spec.js';
import { currentTask, taskState, type SwarmTask } from '../../../server/adapters/swarm/task-state.js';
import { makeJob } from '../../support/job.js';

describe('serviceSpec', () => {
  const job = makeJob({ id: 7, name: 'train', cmd: 'echo hi', cpus: 1.5, memoryMb: 256, pidsLimit: 64, env: { A: '1' }, constraints: ['node.labels.gpu==yes'] });
  const spec = serviceSpec(job, { imageId: 'sha256:abc', instance: 'i1', stopGraceSeconds: 10 }) as {
    Name: string;
    Labels: Record<string, string>;
    Mode: unknown;
    TaskTemplate: { ContainerSpec: Record<string, unknown>; Resources: { Limits: object; Reservations: object }; RestartPolicy: object; Placement: object; Networks?: unknown };
  };

  it('is one replica that never restarts', () => {
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(spec.TaskTemplate.RestartPolicy).toEqual({ Condition: 'none', MaxAttempts: 0 });
    expect(spec.Name).toBe('cjm-7-train');
  });

  it('limits cpus, memory and pids, and reserves the same cpus and memory', () => {
    expect(spec.TaskTemplate.Resources.Limits).toEqual({ NanoCPUs: 1_500_000_000, MemoryBytes: 256 * 1024 * 1024, Pids: 64 });
    expect(spec.TaskTemplate.Resources.Reservations).toEqual({ NanoCPUs: 1_500_000_000, MemoryBytes: 256 * 1024 * 1024 });
  });

  it('runs the image by ID under an init, without NET_RAW, with the labels, env, command and placement', () => {
    expect(spec.TaskTemplate.ContainerSpec).toMatchObject({
      Image: 'sha256:abc',
      Command: ['/bin/sh', '-c'],
      Args: ['echo hi'],
      Env: ['A=1'],
      Init: true,
      CapabilityDrop: ['NET_RAW'],
      StopGracePeriod: 10e9,
    });
    const labels = { 'cjm.managed': 'true', 'cjm.job-id': '7', 'cjm.job-name': 'train', 'cjm.instance': 'i1' };
    expect(spec.Labels).toEqual(labels);
    expect(spec.TaskTemplate.ContainerSpec['Labels']).toEqual(labels);
    expect(spec.TaskTemplate.Placement).toEqual({ Constraints: ['node.labels.gpu==yes'] });
  });

  it("joins its owner's overlay under the job's name, resolved to the task's own address", () => {
    expect(spec.TaskTemplate.Networks).toBeUndefined();
    const onNet = serviceSpec(job, { imageId: 'sha256:abc', stopGraceSeconds: 10, network: { id: 'n1', name: 'cjm-u-0123456789a' } }) as typeof spec & { EndpointSpec: unknown };
    expect(onNet.TaskTemplate.Networks).toEqual([{ Target: 'n1', Aliases: ['train'] }]);
    expect(onNet.EndpointSpec).toEqual({ Mode: 'dnsrr' });
  });
});

describe('taskState', () => {
  const task = (state: string, status: Partial<NonNullable<SwarmTask['Status']>> = {}, index = 1): SwarmTask => ({
    ID: `t${index}`,
    NodeID: 'n1',
    Version: { Index: index },
    Status: { State: state, Timestamp: '2026-11-27T10:00:00Z', ...status },
  });
  const up = { ID: 'n1', Status: { State: 'ready' } };
  const down = { ID: 'n1', Status: { State: 'down' } };

  it('before running: pending, with the task state or swarm\'s reason for holding it as progress', () => {
    expect(taskState(undefined, undefined)).toMatchObject({ status: 'pending', running: false });
    expect(taskState(task('assigned'), up)).toMatchObject({ status: 'pending', progress: 'swarm task assigned' });
    expect(taskState(task('pending', { Err: 'no suitable node (insufficient resources on 2 nodes)' }), undefined)).toMatchObject({
      status: 'pending',
      progress: 'no suitable node (insufficient resources on 2 nodes)',
    });
  });

  it('running while its node is up; lost (null) once the node is down or the task orphaned', () => {
    expect(taskState(task('running'), up)).toMatchObject({ running: true, status: 'running', startedAt: new Date('2026-11-27T10:00:00Z') });
    expect(taskState(task('running'), down)).toBeNull();
    expect(taskState(task('orphaned'), up)).toBeNull();
    // Seen when a worker's dockerd is SIGKILLed: the constraint enforcer takes the running task away.
    const takenAway = task('rejected', { Err: 'assigned node no longer meets constraints', ContainerStatus: { ContainerID: 'c1', ExitCode: 0 } });
    expect(taskState(takenAway, down)).toBeNull();
    expect(taskState(takenAway, up)).toBeNull();
  });

  it('complete exits 0; failed exits with the container\'s code; rejected carries swarm\'s error', () => {
    expect(taskState(task('complete'), up)).toMatchObject({ running: false, status: 'exited', exitCode: 0 });
    expect(taskState(task('failed', { Err: 'task: non-zero exit (137)', ContainerStatus: { ExitCode: 137 } }), up)).toMatchObject({ status: 'exited', exitCode: 137 });
    expect(taskState(task('rejected', { Err: 'No such image: sha256:abc' }), up)).toMatchObject({ status: 'rejected', error: 'No such image: sha256:abc' });
    // Rejected after its container was made (it would not start) on a node that is up: an error too.
    const noStart = task('rejected', { Err: 'starting container failed: OCI runtime create failed', ContainerStatus: { ContainerID: 'c1', ExitCode: 128 } });
    expect(taskState(noStart, up)).toMatchObject({ status: 'rejected', error: 'starting container failed: OCI runtime create failed' });
    expect(taskState(noStart, down)).toBeNull();
  });

  it('a service cjm stopped: its task gone or never run reads exited, not pending', () => {
    expect(taskState(undefined, undefined, true)).toMatchObject({ status: 'exited', running: false, exitCode: null });
    expect(taskState(task('pending', { Err: 'no suitable node' }), undefined, true)).toMatchObject({ status: 'exited' });
    expect(taskState(task('running'), up, true)).toMatchObject({ status: 'running' });
    expect(taskState(task('shutdown', { ContainerStatus: { ExitCode: 137 } }), up, true)).toMatchObject({ status: 'exited', exitCode: 137 });
  });

  it('the current task is the newest', () => {
    expect(currentTask([task('failed', {}, 3), task('running', {}, 9), task('complete', {}, 5)])?.ID).toBe('t9');
    expect(currentTask([])).toBeUndefined();
  });
});
