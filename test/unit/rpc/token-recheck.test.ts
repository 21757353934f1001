// The periodic token re-check that ends revoked tokens' open connections. The database answering for
// one token and failing for another is a fault a real database cannot be made to show on demand, so
// the auth service here is a stand-in; the re-check against a real database and socket is in
// test/integration/rpc/auth-lifecycle.test.ts.
import { describe, expect, it } from 'vitest';
import type { AuthService, Caller, JobService } from '../../../server/core/api.js';
import { ErrorCode, type RpcError } from '../../../server/protocol/index.js';
import { createSilentLogger } from '../../../server/logger.js';
import { createRpcServer } from '../../../server/rpc/index.js';
import { waitFor } from '../../support/wait.js';

describe('token re-check', () => {
  it('a database error on one token neither closes its connections nor skips the re-check of the others', async () => {
    // Each token is valid at connect; afterwards 'flaky' fails to check and 'revoked' is revoked.
    const state = { connected: false, checks: { flaky: 0, revoked: 0 } };
    const auth: AuthService = {
      async authenticate(token): Promise<Caller | null> {
        if (token !== 'flaky' && token !== 'revoked') return null;
        if (!state.connected) return { user: token, admin: false };
        state.checks[token]++;
        if (token === 'flaky') throw new Error('database unreachable');
        return null;
      },
      ensureAdminToken: async () => undefined,
    };
    const jobs = { list: async () => ({ jobs: [], nextCursor: null }) } as unknown as JobService;
    const rpc = createRpcServer({ jobs, auth, logger: createSilentLogger() }, { version: 'test', recheckTokensMs: 50 });
    try {
      // The failing token first: a re-check that gave up at the first error never reached the second.
      const flaky = await rpc.connect('flaky');
      const revoked = await rpc.connect('revoked');
      state.connected = true;
      // A closed in-process connection answers "not connected"; one still open, 4001.
      const refused = (e: RpcError) => e.code === ErrorCode.Unauthenticated || e.message === 'not connected';
      await waitFor('the revoked connection refused', () => revoked.call('job.list', {}).then(() => false, refused), 5000);
      expect(await flaky.call('job.list', {})).toEqual({ jobs: [], nextCursor: null });
      // And the flaky token keeps being checked, round after round.
      const before = state.checks.flaky;
      await waitFor('another round', async () => state.checks.flaky > before, 5000);
      expect(await flaky.call('job.list', {})).toEqual({ jobs: [], nextCursor: null });
    } finally {
      await rpc.close();
    }
  });
});
