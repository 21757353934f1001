import { describe, expect, it } from 'vitest';
import { DockerUnavailableError } from '../../../server/core/errors.js';
import { cleanDockerMessage, isConnectionError, mapDockerError, withTimeout } from '../../../server/adapters/docker/errors.js';

describe('docker error mapping', () => {
  it('treats socket failures as Docker unavailable', () => {
    for (const code of ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET']) {
      expect(mapDockerError(Object.assign(new Error('x'), { code }))).toBeInstanceOf(DockerUnavailableError);
    }
    expect(isConnectionError(Object.assign(new Error('(HTTP code 400) bad parameter - x'), { statusCode: 400 }))).toBe(false);
  });

  it("keeps Docker's message without the modem prefix or control characters", () => {
    const err = Object.assign(new Error('(HTTP code 400) bad parameter - ignored'), {
      statusCode: 400,
      json: { message: 'OCI runtime create failed: exec: "nope":\n executable file not found in $PATH\u001b[0m' },
    });
    expect(cleanDockerMessage(err)).toBe('OCI runtime create failed: exec: "nope": executable file not found in $PATH [0m');
    expect(cleanDockerMessage(new Error('(HTTP code 404) no such container - No such container: abc '))).toBe('No such container: abc');
    expect(cleanDockerMessage({ message: 'x'.repeat(1000) })).toHaveLength(300);
  });

  it('times a hung call out as Docker unavailable', async () => {
    await expect(withTimeout('test', 20, new Promise(() => {}))).rejects.toBeInstanceOf(DockerUnavailableError);
    await expect(withTimeout('test', 1000, Promise.resolve(7))).resolves.toBe(7);
  });
});
