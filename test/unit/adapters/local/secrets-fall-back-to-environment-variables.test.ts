import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore, secretEnvName } from '../../../../shared/adapters/local/file-secret-store.js';

describe('FileSecretStore environment fallback', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gitferry-secret-env-'));
    await mkdir(join(dir, 'webhooks'));
    await writeFile(join(dir, 'webhooks', 'github'), 'from-file');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('the variable name is the secret name upper-cased with every other character as _', () => {
    expect(secretEnvName('clusters/prod-eu.1/token')).toBe('GITFERRY_SECRET_CLUSTERS_PROD_EU_1_TOKEN');
    expect(secretEnvName('repos/ünï')).toBe('GITFERRY_SECRET_REPOS__N_');
  });

  test('a file wins over a variable; without a file the variable is used', async () => {
    const store = new FileSecretStore(dir, {
      env: {
        GITFERRY_SECRET_WEBHOOKS_GITHUB: 'from-env',
        GITFERRY_SECRET_WEBHOOKS_GITLAB: 'gitlab-from-env',
      },
    });

    expect(await store.get('webhooks/github')).toBe('from-file');
    expect(await store.get('webhooks/gitlab')).toBe('gitlab-from-env');
  });

  test('an empty variable counts as unset', async () => {
    const store = new FileSecretStore(dir, { env: { GITFERRY_SECRET_WEBHOOKS_GITLAB: '' } });

    expect(await store.get('webhooks/gitlab')).toBeUndefined();
  });

  test('a missing directory means environment variables only', async () => {
    const store = new FileSecretStore(join(dir, 'no-such-dir'), { env: { GITFERRY_SECRET_TOKEN: 't' } });

    expect(await store.get('token')).toBe('t');
    expect(await store.get('other')).toBeUndefined();
  });

  test('the process environment is the default', async () => {
    process.env.GITFERRY_SECRET_UNIT_TEST_DEFAULT_ENV = 'from-process-env';
    try {
      expect(await new FileSecretStore(undefined).get('unit-test/default-env')).toBe('from-process-env');
    } finally {
      delete process.env.GITFERRY_SECRET_UNIT_TEST_DEFAULT_ENV;
    }
  });
});
