import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load } from 'js-yaml';
import { freePort } from '../testbed/free-port.js';
import { cliAgainst, eventuallyWithServeLog, startServe, type ServeProcess } from '../support/serve.js';
import { TestRepo } from '../support/git.js';
import { kubectl, uniqueName } from '../support/testbed.js';

interface AppJson {
  status?: {
    operation?: { phase: string; message?: string };
    conditions?: { type: string; message: string }[];
  };
  operationInProgress?: unknown;
}

describe('hook lifecycles, resource-policy keep and shared resources through gitferry serve and the CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-hooks-'));
  const namespaces: string[] = [];
  const crds: string[] = [];
  let port: number;
  let server: ServeProcess;
  let repo: TestRepo;

  const eventually = eventuallyWithServeLog(() => server);
  const cli = cliAgainst(() => server, dataDir);
  const appJson = async (name: string) =>
    JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout) as AppJson;

  /** Creates an app for `path` of the hooks-app repo, deploying to `ns`. */
  const createApp = async (
    name: string,
    ns: string,
    path: string,
    extra: { syncOption?: string; helmParameters?: Record<string, string> } = {},
  ) => {
    const text = readFileSync(
      fileURLToPath(new URL('../fixtures/e2e/hooks-application.yaml', import.meta.url)),
      'utf8',
    )
      .replaceAll('$NAMESPACE', ns)
      .replaceAll('$NAME', name)
      .replaceAll('$REPO', repo.url)
      .replaceAll('$PATH', path);
    const manifest = load(text) as {
      spec: { source: Record<string, unknown>; syncPolicy: { syncOptions: string[] } };
    };
    if (extra.syncOption) manifest.spec.syncPolicy.syncOptions.push(extra.syncOption);
    if (extra.helmParameters)
      manifest.spec.source.helm = {
        parameters: Object.entries(extra.helmParameters).map(([k, value]) => ({ name: k, value })),
      };
    const file = join(dataDir, `${name}.yaml`);
    writeFileSync(file, dump(manifest));
    const created = await cli('app', 'create', '-f', file);
    expect(created).toMatchObject({ code: 0, stdout: `application '${name}' created\n` });
  };

  beforeAll(async () => {
    port = await freePort();
    repo = await TestRepo.create('hooks-app');
    await repo.commitFixture('hooks-app');
    server = await startServe({ port, dataDir, cluster: true });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    repo.dispose();
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    for (const crd of crds) await kubectl(['delete', 'crd', crd, '--wait=false', '--ignore-not-found']);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('a stuck hook is stopped by terminate-op, and by the operation timeout of a sync request', async () => {
    const name = uniqueName('stuck');
    const ns = uniqueName('e2e-stuck');
    namespaces.push(ns);
    await createApp(name, ns, 'stuck');
    const stuckJob = () =>
      kubectl(['get', 'job', '-n', ns, 'stuck-migrate', '--ignore-not-found', '-o', 'name']).then((s) =>
        s.trim(),
      );

    expect(await cli('app', 'sync', name, '--async')).toMatchObject({ code: 0 });
    await eventually('the sync waiting for the stuck hook', async () =>
      (await appJson(name)).status?.operation?.message ===
      `waiting for Job/${ns}/stuck-migrate (PreSync hook)`
        ? true
        : undefined,
    );
    expect(await stuckJob()).toBe('job.batch/stuck-migrate');

    const terminated = await cli('app', 'terminate-op', name);
    expect(terminated.code).toBe(0);
    expect(terminated.stdout).toMatch(
      new RegExp(
        `^operation \\d+ of '${name}' terminated: Failed: operation terminated by user; running hooks deleted: Job/${ns}/stuck-migrate\\n$`,
      ),
    );
    const got = await cli('app', 'get', name);
    expect(got.stdout).toContain(
      `Operation:  Failed: operation terminated by user; running hooks deleted: Job/${ns}/stuck-migrate`,
    );
    expect((await appJson(name)).operationInProgress).toBeUndefined();
    await eventually('the stuck Job deleted', async () => ((await stuckJob()) === '' ? true : undefined));
    // Nothing to terminate now: a clear 409.
    const again = await cli('app', 'terminate-op', name);
    expect(again).toMatchObject({
      code: 2,
      stderr: `error: Application/${name} has no operation in progress to terminate\n`,
    });

    // The same hook, this time ended by the sync's own deadline.
    const timedOut = await cli('app', 'sync', name, '--operation-timeout', '3', '--timeout', '120');
    expect(timedOut.code).toBe(1);
    expect(timedOut.stdout).toBe(
      `Failed: sync timed out after 3 s waiting for Job/${ns}/stuck-migrate (PreSync hook); running hooks deleted: Job/${ns}/stuck-migrate\n`,
    );
    const history = JSON.parse((await cli('app', 'history', name, '-o', 'json')).stdout) as {
      phase: string;
    }[];
    expect(history.map((h) => h.phase)).toEqual(['Failed', 'Failed']);
    // A hostile timeout never reaches the engine.
    const bad = await cli('app', 'sync', name, '--operation-timeout', '0');
    expect(bad).toMatchObject({ code: 2, stderr: 'error: timeoutSeconds must be at least 1\n' });
  });

  test('a hook-heavy app with generateName hooks synced twice runs every hook twice, delete policies honoured', async () => {
    const name = uniqueName('hooky');
    const ns = uniqueName('e2e-hooky');
    namespaces.push(ns);
    await createApp(name, ns, 'hooky');
    const jobs = async () =>
      (await kubectl(['get', 'jobs', '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}']))
        .split(' ')
        .filter(Boolean)
        .map((n) => n.replace(/-[a-z0-9]{5}$/, '-*'))
        .sort();

    // The three hooks run (created) on every sync; the ConfigMap is created once.
    for (const [run, outcome] of [
      [1, '4 created'],
      [2, '3 created, 1 unchanged'],
    ] as const) {
      const synced = await cli('app', 'sync', name, '--timeout', '120');
      expect({ run, code: synced.code, stdout: synced.stdout }).toEqual({
        run,
        code: 0,
        stdout: `Succeeded: successfully synced (${outcome})\n`,
      });
      // db-init (hook-succeeded) is gone; db-migrate and smoke (BeforeHookCreation) keep one run each.
      expect(await jobs()).toEqual(['db-migrate-*', 'smoke-*']);
    }
    const history = JSON.parse((await cli('app', 'history', name, '-o', 'json')).stdout) as {
      phase: string;
    }[];
    expect(history.map((h) => h.phase)).toEqual(['Succeeded', 'Succeeded']);
  });

  test('CRDs a chart marks helm.sh/resource-policy: keep, and their custom resources, survive deleting the app', async () => {
    const name = uniqueName('keep');
    const ns = uniqueName('e2e-keep');
    const group = `${uniqueName('k')}.gitferry.dev`;
    namespaces.push(ns);
    crds.push(`certificates.${group}`);
    await createApp(name, ns, 'charts/crds-keep', { helmParameters: { group } });
    const synced = await cli('app', 'sync', name, '--timeout', '120');
    expect(synced).toMatchObject({ code: 0, stdout: 'Succeeded: successfully synced (3 created)\n' });
    // A custom resource someone else made of the kept type.
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({
        apiVersion: `${group}/v1`,
        kind: 'Certificate',
        metadata: { name: 'team-cert' },
        spec: { secretName: 'team-tls' },
      }),
    );

    const deleted = await cli('app', 'delete', name, '-y');
    expect(deleted.code).toBe(0);
    expect(deleted.stderr.split('\n').filter(Boolean).sort()).toEqual([
      `kept Certificate/${ns}/default-cert (helm.sh/resource-policy: keep)`,
      `kept CustomResourceDefinition/certificates.${group} (helm.sh/resource-policy: keep)`,
    ]);
    expect(deleted.stdout).toBe(`application '${name}' deleted with 1 object(s)\n`);
    expect((await kubectl(['get', 'crd', `certificates.${group}`, '-o', 'name'])).trim()).toBe(
      `customresourcedefinition.apiextensions.k8s.io/certificates.${group}`,
    );
    expect(
      (await kubectl(['get', `certificates.${group}`, '-n', ns, '-o', 'name'])).trim().split('\n').sort(),
    ).toEqual([`certificate.${group}/default-cert`, `certificate.${group}/team-cert`]);
    expect(
      (
        await kubectl(['get', 'configmap', '-n', ns, 'controller-config', '--ignore-not-found', '-o', 'name'])
      ).trim(),
    ).toBe('');
  });

  test('an object another app manages: the sync warns in its output, status and log; FailOnSharedResource refuses it', async () => {
    const ns = uniqueName('e2e-shared');
    namespaces.push(ns);
    const [first, second, strict] = [uniqueName('first'), uniqueName('second'), uniqueName('strict')];
    await createApp(first, ns, 'shared');
    await createApp(second, ns, 'shared');
    await createApp(strict, ns, 'shared', { syncOption: 'FailOnSharedResource=true' });

    const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning: '));
    const synced = await cli('app', 'sync', first, '--timeout', '120');
    expect(synced.code).toBe(0);
    expect(warnings(synced.stderr)).toEqual([]);
    const warned = await cli('app', 'sync', second, '--timeout', '120');
    const warning = `ConfigMap/${ns}/shared-config is already managed by app ${first}`;
    expect(warned).toMatchObject({ code: 0, stdout: 'Succeeded: successfully synced (1 configured)\n' });
    expect(warnings(warned.stderr)).toEqual([`warning: ${warning}`]);
    expect((await cli('app', 'get', second)).stdout).toContain(
      `Condition:  SharedResourceWarning: ${warning}`,
    );
    expect(server.log.join('')).toContain(warning);

    const refused = await cli('app', 'sync', strict, '--timeout', '120');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe(
      `Failed: dry run failed for 1 object(s), nothing was applied:\n  ConfigMap/${ns}/shared-config is already managed by app ${second} (FailOnSharedResource)\n`,
    );
    // Nothing was taken over: the object still says the second app manages it.
    expect(
      await kubectl([
        'get',
        'configmap',
        '-n',
        ns,
        'shared-config',
        '-o',
        'jsonpath={.metadata.annotations.gitferry\\.dev/app}',
      ]),
    ).toBe(second);
  });
});
