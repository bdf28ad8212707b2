import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import { forgetRegisteredSecrets, redact } from '../../../shared/domain/redact.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { repoCredentialsResolver } from '../../../shared/control/repo-credentials.js';
import { WakeUpHandler } from '../../../shared/control/wake-up.js';

// A repository credential read from the secret store becomes known to redaction, and an error
// quoting it (as git servers, proxies and helm do) is stored in the status without it.
const password = 'Repo-Pa55word-9f8e7d6c';
const basic = Buffer.from(`deploy:${password}`).toString('base64');
let dir: string;
let db: SqliteDatabase;
let store: SqliteStateStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-redact-'));
  db = openDatabase(join(dir, 'gitferry.db'));
  store = new SqliteStateStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
  forgetRegisteredSecrets();
});

const app: App = {
  name: 'shop',
  project: 'default',
  sources: [{ repoURL: 'https://git.example.com/acme/shop.git', path: 'deploy', targetRevision: 'main' }],
  destination: { name: 'prod', namespace: 'shop' },
  syncPolicy: { automated: {} },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
};

describe('credentials in stored errors', () => {
  test('a password read by the credentials resolver is removed from any text afterwards, in every form', async () => {
    const resolve = repoCredentialsResolver([{ urlPrefix: 'https://git.example.com/', secret: 'repo' }], {
      get: async () => JSON.stringify({ username: 'deploy', password }),
    });
    expect(redact(`x ${password} ${basic} ${encodeURIComponent(password)}`)).toContain(password);

    await resolve('https://git.example.com/acme/shop.git');

    const out = redact(`x ${password} ${basic} ${encodeURIComponent(password)}`);
    expect(out).not.toContain(password);
    expect(out).not.toContain(basic);
  });

  test('a failure quoting the credential is stored in the status condition without it', async () => {
    await store.putApp(app);
    await store.putCluster({
      name: 'prod',
      type: 'kubeconfig',
      server: 'https://prod.example.com',
      tokenSecret: 't',
    });
    const resolve = repoCredentialsResolver([{ urlPrefix: 'https://git.example.com/', secret: 'repo' }], {
      get: async () => JSON.stringify({ username: 'deploy', password }),
    });
    const controller = new WakeUpHandler({
      store,
      queue: { send: async () => {} },
      connector: { connect: async () => Promise.reject(new Error('not reached')) },
      renderer: {} as never,
      credentials: async (url) => {
        await resolve(url);
        throw new Error(
          `https://deploy:${password}@git.example.com/acme/shop.git: proxy refused Authorization: Basic ${basic} (password ${password})`,
        );
      },
      clock: { now: Date.now },
      log: silentLogger,
      holder: 'worker-1',
    });

    expect(await controller.handle({ app: 'shop', reason: 'webhook', requestedAt: Date.now() })).toBe('idle');

    const stored = JSON.stringify(await store.getStatus('shop'));
    expect(stored).toContain(
      'https://git.example.com/acme/shop.git: proxy refused Authorization: Basic [redacted]',
    );
    expect(stored).not.toContain(password);
    expect(stored).not.toContain(basic);
  });
});
