// The SecretStore contract against FileSecretStore: secrets as files, and secrets as environment
// variables only (the fallback when there is no file).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FileSecretStore, secretEnvName } from '../../shared/adapters/local/file-secret-store.js';
import { describeSecretStoreContract } from './secret-store-contract.js';

describeSecretStoreContract('FileSecretStore on a directory of files', async (seed) => {
  const dir = await mkdtemp(join(tmpdir(), 'gitferry-secrets-'));
  for (const [name, value] of Object.entries(seed)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), value);
  }
  return {
    store: new FileSecretStore(dir, { env: {} }),
    rotate: async (name, value) => {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), value);
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describeSecretStoreContract('FileSecretStore on environment variables', async (seed) => {
  const env = Object.fromEntries(Object.entries(seed).map(([name, value]) => [secretEnvName(name), value]));
  return {
    store: new FileSecretStore(undefined, { env }),
    rotate: async (name, value) => void (env[secretEnvName(name)] = value),
    dispose: async () => {},
  };
});
