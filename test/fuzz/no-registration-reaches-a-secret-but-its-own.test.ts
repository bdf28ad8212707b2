import fc from 'fast-check';
import { pinnedLookup } from '../../shared/source/guarded-http.js';
import { vetUrl, type ResolvedAddress } from '../../shared/source/url-guard.js';
import { registerCluster } from '../../shared/control/cluster-registration.js';
import { fuzzRuns } from '../support/fuzz.js';

const server = { guard: { allowedHosts: ['127.0.0.1/32'] } };

describe('no registration reaches a secret but its own', () => {
  test('any tokenSecret but the cluster’s own is refused naming tokenSecret, and nothing is written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/),
        fc.oneof(
          fc.string(),
          fc.constantFrom('webhooks/github', 'clusters/prod/token', 'clusters/./token', 'clusters//token'),
          fc.stringMatching(/^clusters\/[a-z0-9./-]{0,30}\/token$/),
        ),
        async (name, tokenSecret) => {
          fc.pre(tokenSecret !== `clusters/${name}/token`);
          const written: string[] = [];
          const stored: unknown[] = [];
          const err = await registerCluster(
            { name, server: 'https://127.0.0.1:6443', token: 't', tokenSecret },
            {
              store: { putCluster: async (c) => void stored.push(c), getCluster: async () => undefined },
              writeSecret: async (n) => void written.push(n),
              server,
            },
          ).then(
            () => undefined,
            (e: unknown) => e as { field?: string },
          );
          expect(err?.field).toBe('tokenSecret');
          expect(written).toEqual([]);
          expect(stored).toEqual([]);
        },
      ),
      { numRuns: fuzzRuns() },
    );
  });

  test('whatever DNS answers after the check, the connection lookup answers only the vetted addresses', async () => {
    const address = fc.oneof(fc.ipV4(), fc.ipV6());
    await fc.assert(
      fc.asyncProperty(fc.array(address, { minLength: 1, maxLength: 4 }), address, async (first, later) => {
        let calls = 0;
        const lookup = async (): Promise<ResolvedAddress[]> =>
          (calls++ === 0 ? first : [later]).map((a) => ({ address: a, family: a.includes(':') ? 6 : 4 }));
        const guard = { allowedHosts: ['0.0.0.0/0', '::/0'], lookup };
        const vetted = await vetUrl('https://rebind.test/x', { ...guard, allowedHosts: [] }).catch(
          () => undefined,
        );
        fc.pre(vetted !== undefined);
        const answered = await new Promise<{ address: string }[]>((resolve, reject) =>
          pinnedLookup(vetted!, guard)('rebind.test', { all: true }, (err, addresses) =>
            err ? reject(err) : resolve(addresses as unknown as { address: string }[]),
          ),
        );
        expect(answered.map((a) => a.address)).toEqual(first);
        expect(calls).toBe(1);
      }),
      { numRuns: fuzzRuns() },
    );
  });
});
