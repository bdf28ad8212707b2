import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../testbed/free-port.js';
import {
  cliAgainst,
  cliPath,
  eventuallyWithServeLog,
  startServe,
  type ServeProcess,
} from '../support/serve.js';
import { TestRepo } from '../support/git.js';
import { execFileAsync, kubectl, uniqueName } from '../support/testbed.js';

describe('the gitferry CLI against gitferry serve', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-serve-'));
  const namespaces: string[] = [];
  let port: number;
  let server: ServeProcess;
  let repo: TestRepo;

  const serve = () => startServe({ port, dataDir, cluster: true });

  const eventually = eventuallyWithServeLog(() => server);
  const cli = cliAgainst(() => server, dataDir);

  const manifest = (name: string, ns: string, fixture = 'application-with-unsupported-field.yaml') => {
    const file = join(dataDir, `${name}.yaml`);
    writeFileSync(
      file,
      readFileSync(fileURLToPath(new URL(`../fixtures/e2e/${fixture}`, import.meta.url)), 'utf8')
        .replaceAll('$NAMESPACE', ns)
        .replaceAll('$NAME', name)
        .replaceAll('$REPO', repo.url),
    );
    return file;
  };

  beforeAll(async () => {
    port = await freePort();
    repo = await TestRepo.create('cli-app');
    server = await serve();
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    repo.dispose();
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('create from an Application file, sync, diff, history, rollback and cascade delete', async () => {
    const name = uniqueName('cli');
    const ns = uniqueName('e2e-cli');
    namespaces.push(ns);
    const first = await repo.commitFixture('guestbook');

    const created = await cli('app', 'create', '-f', manifest(name, ns));
    expect(created).toMatchObject({ code: 0, stdout: `application '${name}' created\n` });
    // Unsupported fields are named, never silently dropped.
    expect(created.stderr).toContain(
      'warning: spec.syncPolicy.syncOptions: SkipDryRunOnMissingResource=true is not supported by Gitferry and is ignored',
    );

    const synced = await cli('app', 'sync', name, '--timeout', '60');
    expect(synced.code).toBe(0);
    expect(synced.stdout).toMatch(/^Succeeded: successfully synced \(2 created\)/);
    expect((await cli('app', 'diff', name)).code).toBe(0);

    await kubectl([
      'patch',
      'configmap',
      '-n',
      ns,
      'guestbook-config',
      '--type=merge',
      '-p',
      '{"data":{"title":"drifted"}}',
    ]);
    const diff = await cli('app', 'diff', name);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain('-  title: drifted');
    expect(diff.stdout).toContain('+  title: Guestbook');

    const second = await repo.commit(
      { 'guestbook/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra }\n' },
      'add extra',
    );
    expect((await cli('app', 'sync', name, '--timeout', '60')).code).toBe(0);
    const history = await cli('app', 'history', name, '-o', 'json');
    expect((JSON.parse(history.stdout) as { revision: string }[]).map((h) => h.revision)).toEqual([
      second,
      first,
    ]);

    const rollback = await cli('app', 'rollback', name);
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toContain(first);
    // The rollback's own sync succeeds at the first commit; the refreshes after it may then say
    // OutOfSync, rightly: the object the second commit added is still live and would be pruned.
    await eventually('rolled back to the first commit', async () => {
      const view = JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout) as {
        status?: { sync: { revision: string }; operation?: { phase: string; revision?: string } };
      };
      return view.status?.sync.revision === first &&
        view.status.operation?.phase === 'Succeeded' &&
        view.status.operation.revision === first
        ? true
        : undefined;
    });
    // The rollback pins the revision: the extra object is gone only if pruning was asked; it stays in Git's newer commit.
    expect(JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout).app.pinnedRevision).toBe(first);

    const deleted = await cli('app', 'delete', name, '-y');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(new RegExp(`^application '${name}' deleted with \\d+ object\\(s\\)`));
    // Foreground deletion: an object stays (with a deletionTimestamp) until the garbage collector
    // has removed its dependants, so "gone" comes a moment after the delete answered.
    await eventually('the objects gone from the cluster', async () =>
      (await kubectl(['get', 'configmap,deployment', '-n', ns, '-o', 'name']))
        .trim()
        .split('\n')
        .filter((n) => n && !n.endsWith('kube-root-ca.crt')).length === 0
        ? true
        : undefined,
    );
    expect((await cli('app', 'get', name)).code).toBe(2);
  });

  test('an unknown app and a server that is not running give clear errors and exit 2', async () => {
    const missing = await cli('app', 'get', 'no-such-app');
    expect(missing).toMatchObject({ code: 2, stderr: 'error: Application/no-such-app does not exist\n' });
    const down = await execFileAsync(cliPath, ['--server', 'http://127.0.0.1:1', 'app', 'list']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(down).toMatchObject({ code: 2 });
    expect((down as { stderr: string }).stderr).toMatch(
      /^error: cannot reach the Gitferry server at http:\/\/127\.0\.0\.1:1 .*is `gitferry serve` running\?/,
    );
  });

  test('cluster list says which clusters the workers reach, and why not', async () => {
    // A registered cluster nothing listens at (a decommissioned API server), with an app on it.
    const gone = uniqueName('gone');
    const deadServer = `https://127.0.0.1:${await freePort()}`;
    expect((await cli('cluster', 'add', gone, '--server', deadServer, '--token', 'unused')).code).toBe(0);
    const name = uniqueName('on-gone');
    const file = join(dataDir, `${name}.yaml`);
    writeFileSync(
      file,
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: ${name} }\nspec:\n  project: default\n  source: { repoURL: ${repo.url}, targetRevision: main, path: guestbook }\n  destination: { name: ${gone}, namespace: anywhere }\n`,
    );
    expect((await cli('app', 'create', '-f', file)).code).toBe(0);
    expect((await cli('app', 'sync', name, '--async')).code).toBe(0);

    const listed = await eventually('the dead cluster listed as Failed', async () => {
      const out = (await cli('cluster', 'list')).stdout;
      return out.includes('Failed') ? out : undefined;
    });
    console.log(`gitferry cluster list:\n${listed}`);
    const rows = listed.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME +TYPE +SERVER +STATUS +MESSAGE$/);
    // The test bed's cluster synced the first test's app.
    expect(rows).toContainEqual(expect.stringMatching(/^testbed +kubeconfig +https:\/\/\S+ +Successful$/));
    expect(rows).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${gone} +kubeconfig +${deadServer.replaceAll('.', '\\.')} +Failed +its API server has not answered 3 requests in a row \\(last: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\); the next try goes out after \\d{4}-`,
        ),
      ),
    );
    const json = JSON.parse((await cli('cluster', 'list', '-o', 'json')).stdout) as {
      name: string;
      connectionState: { status: string; attemptedAt?: string };
    }[];
    expect(json.find((c) => c.name === gone)?.connectionState).toMatchObject({
      status: 'Failed',
      attemptedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect((await cli('app', 'delete', name, '--cascade=false')).code).toBe(0);
  });

  test('kill -9 of serve in the middle of a sync: after a restart the sync resumes and completes', async () => {
    const name = uniqueName('crash');
    const ns = uniqueName('e2e-crash');
    namespaces.push(ns);
    const wavesRepo = await TestRepo.create('waves');
    const sha = await wavesRepo.commitFixture('waves-app');
    const file = join(dataDir, `${name}.yaml`);
    writeFileSync(
      file,
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: ${name} }\nspec:\n  project: default\n  source: { repoURL: ${wavesRepo.url}, targetRevision: main, path: app }\n  destination: { name: testbed, namespace: ${ns} }\n  syncPolicy: { syncOptions: [CreateNamespace=true] }\n`,
    );
    expect((await cli('app', 'create', '-f', file)).code).toBe(0);
    expect((await cli('app', 'sync', name, '--async')).code).toBe(0);
    // Wave 0 applied, waiting at the health gate (minReadySeconds): now the process dies.
    await eventually('the sync waiting for wave 0', async () => {
      const view = JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout) as {
        status?: { operation?: { phase: string; message?: string } };
      };
      return view.status?.operation?.phase === 'Running' &&
        /waiting for Deployment/.test(view.status.operation.message ?? '')
        ? true
        : undefined;
    });
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    expect(
      (
        await kubectl(['get', 'configmap', '-n', ns, '--ignore-not-found', 'frontend-config', '-o', 'name'])
      ).trim(),
    ).toBe('');

    server = await serve();
    await eventually(
      'the interrupted sync finished after the restart',
      async () => {
        const view = JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout) as {
          status?: { sync: { status: string; revision?: string }; operation?: { phase: string } };
        };
        return view.status?.operation?.phase === 'Succeeded' && view.status.sync.revision === sha
          ? true
          : undefined;
      },
      60_000,
    );
    expect((await kubectl(['get', 'configmap', '-n', ns, 'frontend-config', '-o', 'name'])).trim()).toBe(
      'configmap/frontend-config',
    );
    const runs = JSON.parse((await cli('app', 'history', name, '-o', 'json')).stdout) as { phase: string }[];
    expect(runs.map((r) => r.phase)).toEqual(['Succeeded']);
    wavesRepo.dispose();
  });
});
