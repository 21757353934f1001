import { describe, expect, it } from 'vitest';
import { jobIdParam, localPath } from '../../../web/paths.js';

describe('redirect targets', () => {
  it('keeps local paths', () => {
    expect(localPath('/')).toBe('/');
    expect(localPath('/jobs/3/log?x=1')).toBe('/jobs/3/log?x=1');
  });

  it.each(['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', 'jobs', '', '/a\nb', '/a\\b', undefined, 5])(
    'refuses %j',
    (v) => expect(localPath(v, '/fallback')).toBe('/fallback'),
  );

  it('job ids are positive integers', () => {
    expect(jobIdParam('12')).toBe(12);
    for (const bad of ['0', '-1', '1.5', '1e3', 'x', '', '01', undefined, '99999999999999999']) expect(jobIdParam(bad)).toBeNull();
  });
});
