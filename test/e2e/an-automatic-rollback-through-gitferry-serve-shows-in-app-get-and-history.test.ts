// Through `gitferry serve` and the CLI, with serve's own worker, queue and timers: an app with
// `gitferry.dev/auto-rollback` synced to a revision whose Deployment never becomes ready (kwok's
// never-ready marker) is rolled back to its last Healthy revision by itself, pinned, and `app get`
// and `app history` say so. The time from Degraded to rolled back is read from the product's own
// records (status.autoRollback.at → the rollback run's finishedAt).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../testbed/free-port.js';
import { deployment } from '../support/delivery.js';
import { cliAgainst, eventuallyWithServeLog, startServe, type ServeProcess } from '../support/serve.js';
import { TestRepo } from '../support/git.js';
import { kubectl, uniqueName } from '../support/testbed.js';

interface View {
  app: { pinnedRevision?: string };
  status?: {
    sync: { status: string; revision?: string };
    health: { status: string };
    autoRollback?: { from: string; to?: string; at: string; reason: string };
  };
}

describe('automatic rollback through gitferry serve', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-auto-rollback-'));
  const ns = uniqueName('e2e-rollback');
  const name = uniqueName('rollback');
  let server: ServeProcess;
  let repo: TestRepo;
  const cli = cliAgainst(() => server, dataDir);
  const eventually = eventuallyWithServeLog(() => server);
  const view = async () => JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout) as View;

  beforeAll(async () => {
    server = await startServe({ port: await freePort(), dataDir, cluster: true });
    repo = await TestRepo.create('e2e-auto-rollback');
  });
  afterAll(async () => {
    await cli('app', 'delete', name, '-y');
    server?.child.kill('SIGTERM');
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('a never-ready revision is rolled back to the Healthy one, pinned, and shown', async () => {
    const good = await repo.commit({ 'app/web.yaml': deployment('web', 'v1') });
    const file = join(dataDir, 'app.yaml');
    writeFileSync(
      file,
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\n` +
        `  annotations: { gitferry.dev/auto-rollback: 10m }\nspec:\n  project: default\n` +
        `  source: { repoURL: ${repo.url}, targetRevision: main, path: app }\n` +
        `  destination: { name: testbed, namespace: ${ns} }\n` +
        `  syncPolicy: { syncOptions: [CreateNamespace=true] }\n`,
    );
    expect((await cli('app', 'create', '-f', file)).code).toBe(0);
    const t0 = Date.now();
    const step = (what: string) =>
      process.stderr.write(`[e2e rollback] ${what} after ${Date.now() - t0} ms\n`);
    expect((await cli('app', 'sync', name, '--async')).code).toBe(0);
    await eventually(
      'Healthy at the first revision',
      async () => {
        const s = (await view()).status;
        return s?.health.status === 'Healthy' && s.sync.revision === good ? true : undefined;
      },
      120_000,
      500,
    );

    step('Healthy at the first revision');
    const bad = await repo.commit({ 'app/web.yaml': deployment('web', 'v2', false) });
    expect((await cli('app', 'sync', name, '--async')).code).toBe(0);
    const rolled = await eventually(
      'rolled back to the Healthy revision',
      async () => {
        const v = await view();
        return v.status?.autoRollback &&
          v.status.sync.revision === good &&
          v.status.health.status === 'Healthy'
          ? v
          : undefined;
      },
      120_000,
      500,
    );
    step('rolled back');
    expect(rolled.status?.autoRollback).toMatchObject({ from: bad, to: good });
    expect(rolled.app.pinnedRevision).toBe(good);
    const history = JSON.parse((await cli('app', 'history', name, '-o', 'json')).stdout) as {
      reason: string;
      revision: string;
      finishedAt: string;
    }[];
    expect(history.map((r) => [r.reason, r.revision])).toEqual([
      ['rollback', good],
      ['manual', bad],
      ['manual', good],
    ]);
    const ms = Date.parse(history[0]!.finishedAt) - Date.parse(rolled.status!.autoRollback!.at);

    // Still the head: a refresh changes nothing, and nothing rolls back again.
    expect((await cli('app', 'refresh', name)).code).toBe(0);
    const after = await view();
    expect(after.app.pinnedRevision).toBe(good);
    expect(after.status?.sync.revision).toBe(good);
    expect(
      await kubectl([
        'get',
        'deployment',
        'web',
        '-n',
        ns,
        '-o',
        'jsonpath={.spec.template.metadata.labels.version}',
      ]),
    ).toBe('v1');

    const get = (await cli('app', 'get', name)).stdout;
    const wide = (await cli('app', 'history', name, '-o', 'wide')).stdout;
    expect(get).toMatch(/^Rollback: +\S+ from [0-9a-f]{40} to [0-9a-f]{40}: Degraded/m);
    expect(wide).toMatch(/rollback +automated +automatic rollback from [0-9a-f]{12} \(Degraded/);
    console.log(
      `$ gitferry app get ${name}\n${get}\n$ gitferry app history ${name} -o wide\n${wide}\nDegraded seen → rollback sync finished: ${ms} ms`,
    );
  }, 300_000);
});
