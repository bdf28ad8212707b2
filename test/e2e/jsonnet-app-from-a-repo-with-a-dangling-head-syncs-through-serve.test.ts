import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../testbed/free-port.js';
import { cliPath, startServe, type ServeProcess } from '../support/serve.js';
import { TestRepo } from '../support/git.js';
import { execFileAsync, kubectl, testbed, uniqueName } from '../support/testbed.js';

// Issue 11, as a user meets it: an Argo CD Application of Jsonnet files (tlas, extVars, libs) in a
// self-hosted bare repository whose HEAD names a branch that was never pushed, pinned to an
// annotated tag, synced with the CLI through `gitferry serve` onto the test bed's cluster.
describe('a Jsonnet app in a repository with a dangling HEAD, through gitferry serve', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-serve-jsonnet-'));
  const ns = uniqueName('e2e-jsonnet');
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

  beforeAll(async () => {
    repo = await TestRepo.create('jsonnet-e2e');
    await repo.commitFixture('jsonnet-app');
    await repo.git('tag', '-a', 'v1.0.0', '-m', 'release');
    await repo.git('push', '--quiet', 'origin', 'refs/tags/v1.0.0');
    execFileSync('git', ['symbolic-ref', 'HEAD', 'refs/heads/trunk'], {
      cwd: join(testbed().git.repoRoot, `${repo.name}.git`),
    });
    server = await startServe({ port: await freePort(), dataDir, cluster: true });
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('creates, syncs and deploys what the Jsonnet evaluates to', async () => {
    const file = join(dataDir, 'app.yaml');
    writeFileSync(
      file,
      `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web-jsonnet }
spec:
  project: default
  source:
    repoURL: ${repo.url}
    targetRevision: v1.0.0
    path: app
    directory:
      jsonnet:
        extVars:
          - { name: env, value: prod }
          - { name: owner, value: $ARGOCD_APP_NAME }
          - { name: app, value: '{ name: "shop" }', code: true }
        tlas:
          - { name: replicas, value: "2", code: true }
        libs: [vendor]
  destination: { name: testbed, namespace: ${ns} }
  syncPolicy: { syncOptions: [CreateNamespace=true] }
`,
    );
    const created = await cli('app', 'create', '-f', file);
    expect(created).toMatchObject({ code: 0, stdout: "application 'web-jsonnet' created\n" });
    expect(created.stderr).toBe('');

    const synced = await cli('app', 'sync', 'web-jsonnet', '--timeout', '120');
    console.log(`gitferry app sync web-jsonnet: ${synced.stdout.trim()}`);
    if (synced.code !== 0)
      console.log(`serve log:\n${server.log.join('').split('\n').slice(-30).join('\n')}`);
    expect(synced.code).toBe(0);
    expect(synced.stdout).toMatch(/^Succeeded: successfully synced \(3 created\)/);

    const settings = JSON.parse(
      await kubectl(['get', 'configmap', '-n', ns, 'web-settings', '-o', 'json']),
    ) as {
      data: Record<string, string>;
    };
    expect(settings.data).toMatchObject({
      env: 'prod',
      owner: 'web-jsonnet',
      greeting: 'hello from a component',
    });
    const web = JSON.parse(await kubectl(['get', 'deployment', '-n', ns, 'web', '-o', 'json'])) as {
      spec: { replicas: number };
    };
    expect(web.spec.replicas).toBe(2);
  });
});
