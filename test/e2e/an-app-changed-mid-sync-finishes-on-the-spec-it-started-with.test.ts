// An app saved with a new spec while its sync waits on a PreSync hook: the running operation keeps
// the spec it started with (no crash, the hook stays tracked, nothing of the new spec is applied by
// it), its history is complete, and then the new spec is synced — by the `app sync` that was asked
// for meanwhile, which reports its own operation, never the one before.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../testbed/free-port.js';
import { cliPath, startServe, type ServeProcess } from '../support/serve.js';
import { TestRepo } from '../support/git.js';
import { eventually, execFileAsync, kubectl, uniqueName } from '../support/testbed.js';

interface View {
  status?: {
    sync: { status: string };
    operation?: { phase: string; message?: string; runId?: number };
  };
}

describe('an app changed mid-sync', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-midsync-'));
  const ns = uniqueName('e2e-midsync');
  const name = uniqueName('midsync');
  let server: ServeProcess;
  let repo: TestRepo;

  const cli = async (...args: string[]) => {
    try {
      const r = await execFileAsync(cliPath, ['--server', server.url, ...args], {
        env: { ...process.env, GITFERRY_DATA_DIR: dataDir },
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const view = async () => JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout) as View;
  const manifest = (path: string) => {
    const file = join(dataDir, `${name}-${path}.yaml`);
    writeFileSync(
      file,
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: ${name} }\nspec:\n  project: default\n` +
        `  source: { repoURL: ${repo.url}, targetRevision: main, path: ${path} }\n` +
        `  destination: { name: testbed, namespace: ${ns} }\n` +
        `  syncPolicy: { syncOptions: [CreateNamespace=true] }\n`,
    );
    return file;
  };
  /** Steps the worker took on this app that ended waiting (serve logs each one). */
  const waitingSteps = () =>
    server.log
      .join('')
      .split('\n')
      .filter((l) => l.includes('"sync step done, continuing"') && l.includes(`"app":"${name}"`)).length;
  const configMaps = async () =>
    (await kubectl(['get', 'configmap', '-n', ns, '-o', 'name']))
      .split('\n')
      .filter((n) => n && !n.endsWith('kube-root-ca.crt'))
      .sort();

  beforeAll(async () => {
    server = await startServe({ port: await freePort(), dataDir, cluster: true });
    repo = await TestRepo.create('mid-sync-app');
  });
  afterAll(async () => {
    await cli('app', 'delete', name, '-y');
    server.child.kill('SIGTERM');
    repo.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('the running operation finishes on its own spec, then the new spec syncs', async () => {
    const sha = await repo.commitFixture('mid-sync-app');
    expect((await cli('app', 'create', '-f', manifest('v1'))).stdout).toBe(`application '${name}' created\n`);
    expect((await cli('app', 'sync', name, '--async')).code).toBe(0);
    await eventually('the sync waiting for its PreSync hook', async () => {
      const op = (await view()).status?.operation;
      return op?.phase === 'Running' && /Job\/.*\/gate/.test(op.message ?? '') ? true : undefined;
    });

    // Meanwhile: a sync is asked for, and the app is saved with another path.
    const laterSync = cli('app', 'sync', name, '--timeout', '180');
    expect(await cli('app', 'create', '-f', manifest('v2'), '--upsert')).toMatchObject({
      code: 0,
      stdout: `application '${name}' updated\n`,
    });
    // Let the worker take more steps on the running operation after the change.
    const stepsBefore = waitingSteps();
    await eventually('two more steps of the running operation', async () =>
      waitingSteps() >= stepsBefore + 2 ? true : undefined,
    );
    const waiting = (await view()).status?.operation;
    expect(waiting).toMatchObject({ phase: 'Running', runId: 1 });
    expect(waiting?.message).toMatch(/Job\/.*\/gate/);
    // The hook Job is the operation's, still there; nothing of either spec applied before it ran.
    expect((await kubectl(['get', 'job', '-n', ns, 'gate', '-o', 'name'])).trim()).toBe('job.batch/gate');
    expect(await configMaps()).toEqual([]);

    // The hook is let run: the operation ends on the spec it started with (path v1)…
    await kubectl(['patch', 'job', '-n', ns, 'gate', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    // …and the sync asked for meanwhile runs next, on the new spec, and reports that run.
    const later = await laterSync;
    expect(later.code).toBe(0);
    expect(later.stdout).toBe('Succeeded: successfully synced (1 created)\n');

    const runs = JSON.parse((await cli('app', 'history', name, '-o', 'json')).stdout) as {
      id: number;
      phase: string;
      revision: string;
      finishedAt: string;
      resources: number;
    }[];
    expect(runs.map((r) => [r.id, r.phase, r.revision])).toEqual([
      [2, 'Succeeded', sha],
      [1, 'Succeeded', sha],
    ]);
    // Run 1 applied the first spec's ConfigMap and ran its hook; run 2 only the second spec's.
    expect(runs[1]!.resources).toBe(2);
    expect(runs[0]!.resources).toBe(1);
    expect(await configMaps()).toEqual(['configmap/first-spec', 'configmap/second-spec']);
    const created = await kubectl([
      'get',
      'configmap',
      '-n',
      ns,
      'second-spec',
      '-o',
      'jsonpath={.metadata.creationTimestamp}',
    ]);
    expect(Date.parse(created)).toBeGreaterThanOrEqual(
      Math.floor(Date.parse(runs[1]!.finishedAt) / 1000) * 1000,
    );
    expect((await view()).status?.operation).toMatchObject({ phase: 'Succeeded', runId: 2 });
    expect(server.log.join('')).not.toContain('TypeError');
  });
});
