// What `gitferry app get` and `app diff` tell a user, checked against gitferry serve on the test
// bed: a refresh lists what the dry run would create, configure or prune as OutOfSync (never
// Synced), the diff shows missing objects whole as added and prunable ones whole as removed, an app
// with nothing deployed is Missing, a render error is Unknown with the error, Secret values never
// print, and the small CLI things (upsert answers, a closed pipe) behave.
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../testbed/free-port.js';
import { cliPath, startServe, type ServeProcess } from '../support/serve.js';
import { TestRepo } from '../support/git.js';
import { execFileAsync, kubectl, uniqueName } from '../support/testbed.js';

interface Row {
  ref: { kind: string; name: string };
  status: string;
  health?: { status: string };
  message?: string;
}

describe('status and diff say what differs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-status-'));
  const ns = uniqueName('e2e-status');
  const name = uniqueName('status');
  const crdGroup = `${uniqueName('st')}.gitferry.test`;
  let server: ServeProcess;
  let repo: TestRepo;
  let manifestFile: string;

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
  const view = async () =>
    JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout) as {
      status: {
        sync: { status: string; revision?: string };
        health: { status: string; message?: string };
        conditions?: { type: string; message: string }[];
        resources: Row[];
      };
    };
  const row = (rows: Row[], kind: string, n: string) =>
    rows.find((r) => r.ref.kind === kind && r.ref.name === n);
  const writeManifest = (syncOptions: string[]) =>
    writeFileSync(
      manifestFile,
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: ${name} }\nspec:\n  project: default\n` +
        `  source: { repoURL: ${repo.url}, targetRevision: main, path: app }\n` +
        `  destination: { name: testbed, namespace: ${ns} }\n` +
        `  syncPolicy: { syncOptions: [${syncOptions.join(', ')}] }\n`,
    );
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.${crdGroup} }
spec:
  group: ${crdGroup}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;

  beforeAll(async () => {
    server = await startServe({ port: await freePort(), dataDir, cluster: true });
    repo = await TestRepo.create('status-app');
    manifestFile = join(dataDir, `${name}.yaml`);
  });
  afterAll(async () => {
    await cli('app', 'delete', name, '-y');
    server.child.kill('SIGTERM');
    repo.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    await kubectl(['delete', 'crd', `widgets.${crdGroup}`, '--wait=false', '--ignore-not-found']);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('from nothing deployed to synced, hand-edited, prunable and unrenderable, as the CLI shows it', async () => {
    const first = await repo.commitFixture('status-app', { 'app/crd.yaml': crd });
    writeManifest(['CreateNamespace=true']);
    expect(await cli('app', 'create', '-f', manifestFile)).toMatchObject({
      code: 0,
      stdout: `application '${name}' created\n`,
    });

    // Nothing deployed yet: every object is missing, the diff shows each one whole, as added.
    const missing = await cli('app', 'diff', name);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`+++ ConfigMap/${ns}/settings (desired)`);
    expect(missing.stdout).toContain('+kind: ConfigMap');
    expect(missing.stdout).toContain('+  mode: blue');
    expect(missing.stdout).toContain(`+++ CustomResourceDefinition/widgets.${crdGroup} (desired)`);
    expect(missing.stdout).toContain(`+++ Secret/${ns}/creds (desired)`);
    // Masked by the diff (++++++++), and the status store's redaction may mask the line again.
    expect(missing.stdout).toMatch(/^\+ {2}password: (\+{8}|\[redacted\]) \(desired\)$/m);
    expect(missing.stdout).not.toContain('s3cr3t-status-value');
    expect(missing.stdout).not.toContain(Buffer.from('s3cr3t-status-value').toString('base64'));
    const before = await cli('app', 'get', name);
    expect(before.stdout).toContain(`Sync:       OutOfSync to ${first}\n`);
    expect(before.stdout).toContain('Health:     Missing');
    const beforeRows = (await view()).status.resources;
    expect(beforeRows.length).toBe(4);
    for (const r of beforeRows) {
      expect(r.status).toBe('OutOfSync');
      expect(r.message).toMatch(/^missing: requires create/);
    }

    const synced = await cli('app', 'sync', name, '--timeout', '120');
    expect(synced.stdout).toMatch(/^Succeeded: successfully synced \(4 created\)/);
    expect((await cli('app', 'diff', name)).code).toBe(0);
    const healthy = await cli('app', 'get', name);
    expect(healthy.stdout).toContain(`Sync:       Synced to ${first}\n`);
    // The app's own health, not one resource's message ("CRD is healthy").
    expect(healthy.stdout).toContain('Health:     Healthy\n');

    // Changed by hand: the app is OutOfSync, and so is that object's row (the others stay Synced).
    await kubectl([
      'patch',
      'configmap',
      '-n',
      ns,
      'settings',
      '--type=merge',
      '-p',
      '{"data":{"mode":"red"}}',
    ]);
    const drift = await cli('app', 'diff', name);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain('-  mode: red');
    expect(drift.stdout).toContain('+  mode: blue');
    let v = await view();
    expect(v.status.sync.status).toBe('OutOfSync');
    expect(row(v.status.resources, 'ConfigMap', 'settings')).toMatchObject({
      status: 'OutOfSync',
      message: 'differs from Git: requires configure',
    });
    expect(row(v.status.resources, 'ConfigMap', 'extra')?.status).toBe('Synced');
    expect(row(v.status.resources, 'Secret', 'creds')?.status).toBe('Synced');

    // Removed from Git: the live object shows whole, as removed, marked "would prune".
    unlinkSync(join(repo.path, 'app/extra.yaml'));
    const second = await repo.commit({}, 'drop extra');
    const prunable = await cli('app', 'diff', name);
    expect(prunable.code).toBe(1);
    expect(prunable.stdout).toContain(`--- ConfigMap/${ns}/extra (would prune) (live)`);
    expect(prunable.stdout).toContain('-kind: ConfigMap');
    expect(prunable.stdout).toContain('-  note: removed from Git later, then pruned');
    v = await view();
    expect(v.status.sync).toMatchObject({ status: 'OutOfSync', revision: second });
    expect(row(v.status.resources, 'ConfigMap', 'extra')).toMatchObject({
      status: 'OutOfSync',
      message: 'not in Git: would prune',
    });

    // A render error: sync Unknown with the error as a ComparisonError, and diff exits 2 saying why.
    await repo.commit({ 'app/broken.yaml': 'kind: [unclosed\n' }, 'break the render');
    const broken = await cli('app', 'diff', name);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(
      new RegExp(`^error: Application/${name} cannot be compared with Git: .*broken\\.yaml`, 'm'),
    );
    v = await view();
    expect(v.status.sync.status).toBe('Unknown');
    expect(v.status.conditions?.[0]?.type).toBe('ComparisonError');
    expect(v.status.conditions?.[0]?.message).toContain('broken.yaml');
    const unknown = await cli('app', 'get', name);
    expect(unknown.stdout).toContain('Sync:       Unknown');
    expect(unknown.stdout).toMatch(/Condition: {2}ComparisonError: .*broken\.yaml/);
    // What is deployed is still assessed.
    expect(v.status.health.status).toBe('Healthy');

    // The next good render clears the condition.
    unlinkSync(join(repo.path, 'app/broken.yaml'));
    await repo.commit({}, 'fix the render');
    expect((await cli('app', 'diff', name)).code).toBe(1);
    v = await view();
    expect(v.status.sync.status).toBe('OutOfSync');
    expect(v.status.conditions ?? []).toEqual([]);

    // Nothing Secret ever reached the status either.
    expect(JSON.stringify(await view())).not.toContain('s3cr3t-status-value');
  });

  test('create --upsert says what it did: unchanged, updated; created only for a new app', async () => {
    // The app of the first test exists; re-sending the same manifest changes nothing.
    writeManifest(['CreateNamespace=true']);
    expect(await cli('app', 'create', '-f', manifestFile, '--upsert')).toMatchObject({
      code: 0,
      stdout: `application '${name}' unchanged\n`,
    });
    writeManifest(['CreateNamespace=true', 'PruneLast=true']);
    expect(await cli('app', 'create', '-f', manifestFile, '--upsert')).toMatchObject({
      code: 0,
      stdout: `application '${name}' updated\n`,
    });
    expect(
      JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout).app.syncPolicy.syncOptions,
    ).toEqual(['CreateNamespace=true', 'PruneLast=true']);
    // Without --upsert an existing app is refused, as before.
    expect((await cli('app', 'create', '-f', manifestFile)).code).toBe(2);
  });

  test('a reader that closes the pipe early ends the command quietly, without an EPIPE trace', async () => {
    // `true` exits without reading: every write the CLI makes then meets a closed pipe.
    const shell = await execFileAsync(
      'bash',
      [
        '-c',
        `"$0" --server "$1" app list -o wide | true; echo "exit=\${PIPESTATUS[0]}"`,
        cliPath,
        server.url,
      ],
      { env: { ...process.env, GITFERRY_DATA_DIR: dataDir } },
    );
    expect(shell.stderr).toBe('');
    expect(shell.stdout).toBe('exit=0\n');
    // The same command into a reader still prints its table.
    expect((await cli('app', 'list', '-o', 'wide')).stdout).toMatch(/^NAME +CLUSTER/);
  });
});
