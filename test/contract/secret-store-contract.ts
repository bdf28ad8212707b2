// The one contract suite of the SecretStore port; each adapter provides a store seeded with `seed`.
import type { SecretStore } from '../../shared/ports/secret-store.js';

export interface SecretStoreUnderTest {
  store: SecretStore;
  /** Changes a secret's value at its source, as a rotation does (behind any cache of the store). */
  rotate(name: string, value: string): Promise<void>;
  dispose(): Promise<void>;
}

export function describeSecretStoreContract(
  name: string,
  make: (seed: Record<string, string>) => Promise<SecretStoreUnderTest>,
): void {
  describe(`${name} as a SecretStore`, () => {
    const seed = {
      'clusters/prod-token': 'eyJhbGciOi-not-a-real-token',
      'repos/json-creds': '{"username":"ci","password":"p@ss"}',
    };
    let s: SecretStoreUnderTest;
    beforeAll(async () => (s = await make(seed)));
    afterAll(() => s.dispose());

    test('returns a stored secret value exactly', async () => {
      expect(await s.store.get('clusters/prod-token')).toBe(seed['clusters/prod-token']);
      expect(await s.store.get('repos/json-creds')).toBe(seed['repos/json-creds']);
    });

    test('answers undefined for a secret that does not exist', async () => {
      expect(await s.store.get('clusters/missing')).toBeUndefined();
    });

    test('a fresh read sees a value rotated at the source since it was last read', async () => {
      const name = 'clusters/rotated-token';
      await s.rotate(name, 'before-rotation');
      expect(await s.store.get(name, { fresh: true })).toBe('before-rotation');
      expect(await s.store.get(name)).toBe('before-rotation');
      await s.rotate(name, 'after-rotation');
      expect(await s.store.get(name, { fresh: true })).toBe('after-rotation');
      // And the fresh value is what later reads answer.
      expect(await s.store.get(name)).toBe('after-rotation');
    });
  });
}
