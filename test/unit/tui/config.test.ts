import { describe, expect, it } from 'vitest';
import { ConfigError, defaultUrl, resolveConfig } from '../../../tui/config.js';

const base = { flags: {}, env: {}, file: undefined, filePath: '/home/u/.config/cjm/config.json' };

describe('tui config', () => {
  it('flags win over env, env over the file', () => {
    const file = { url: 'ws://file/rpc', token: 'f' };
    expect(resolveConfig({ ...base, file, env: { CJM_URL: 'ws://env/rpc', CJM_TOKEN: 'e' }, flags: { url: 'ws://flag/rpc', token: 't' } })).toEqual({ url: 'ws://flag/rpc', token: 't' });
    expect(resolveConfig({ ...base, file, env: { CJM_URL: 'ws://env/rpc', CJM_TOKEN: 'e' } })).toEqual({ url: 'ws://env/rpc', token: 'e' });
    expect(resolveConfig({ ...base, file })).toEqual({ url: 'ws://file/rpc', token: 'f' });
  });
  it('defaults the URL', () => {
    expect(resolveConfig({ ...base, flags: { token: 't' } }).url).toBe(defaultUrl);
  });
  it('a missing token is one clear line naming every way to give one', () => {
    expect(() => resolveConfig(base)).toThrow(ConfigError);
    expect(() => resolveConfig(base)).toThrow(/--token.*CJM_TOKEN.*config\.json/);
  });
  it('refuses a URL that is not ws:// or wss://', () => {
    expect(() => resolveConfig({ ...base, flags: { url: 'http://x', token: 't' } })).toThrow(/ws:\/\//);
  });
});
