// The Argo CD verbs beyond create/sync/diff, each through bin/gitferry against `gitferry serve` on
// the test bed: version, manifests, resources, logs, refresh, set, patch, completion; and the
// global --server that no longer swallows `cluster add --server`.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { freePort } from '../testbed/free-port.js';
import { cliPath, startServe, type ServeProcess } from '../support/serve.js';
import { TestRepo } from '../support/git.js';
import { eventually, execFileAsync, kubectl, uniqueName } from '../support/testbed.js';

describe('the Argo CD verbs of the gitferry CLI against gitferry serve', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-verbs-'));
  const namespaces: string[] = [];
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

  const createApp = async (name: string, ns: string, spec: string) => {
    const file = join(dataDir, `${name}.yaml`);
    writeFileSync(
      file,
      `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: ${name} }
spec:
  project: default
  source: ${spec}
  destination: { name: testbed, namespace: ${ns} }
  syncPolicy: { syncOptions: [CreateNamespace=true] }
`,
    );
    expect(await cli('app', 'create', '-f', file)).toMatchObject({ code: 0 });
  };

  beforeAll(async () => {
    repo = await TestRepo.create('cli-verbs');
    await repo.commitFixture('guestbook');
    await repo.commitFixture('helm-app');
    server = await startServe({ port: await freePort(), dataDir, cluster: true });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    repo.dispose();
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('--version and version print the client, and the server it talks to', async () => {
    const short = await execFileAsync(cliPath, ['--version']);
    expect(short.stdout).toMatch(/^gitferry v0\.1\.0 \(\S+\)\n$/);
    const both = await cli('version', '-o', 'json');
    expect(both.code).toBe(0);
    const v = JSON.parse(both.stdout) as {
      client: { version: string };
      server: { name: string; node: string };
    };
    expect(v.client.version).toBe('0.1.0');
    expect(v.server).toMatchObject({ name: 'gitferry', version: '0.1.0', node: process.version });
    const down = await execFileAsync(cliPath, ['--server', 'http://127.0.0.1:1', 'version']).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect(down).toMatchObject({ code: 2 });
    expect((down as { stdout: string }).stdout).toMatch(
      /^gitferry: v0\.1\.0\n[\s\S]*gitferry-server: unreachable/,
    );
  });

  test('manifests (from Git and live), resources, refresh and logs of a synced app', async () => {
    const name = uniqueName('verbs');
    const ns = uniqueName('e2e-verbs');
    namespaces.push(ns);
    await createApp(name, ns, `{ repoURL: ${repo.url}, targetRevision: main, path: guestbook }`);

    const rendered = await cli('app', 'manifests', name);
    expect(rendered.code).toBe(0);
    const objects = loadAll(rendered.stdout) as { kind: string; metadata: { name: string; uid?: string } }[];
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/guestbook-config',
      'Deployment/guestbook-ui',
    ]);
    expect(objects.every((o) => o.metadata.uid === undefined)).toBe(true);

    expect((await cli('app', 'sync', name, '--timeout', '90')).code).toBe(0);
    await eventually('Healthy', async () =>
      JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout).status?.health.status === 'Healthy'
        ? true
        : undefined,
    );

    const live = await cli('app', 'manifests', name, '--source', 'live', '-o', 'json');
    const liveObjects = JSON.parse(live.stdout) as {
      kind: string;
      metadata: { uid?: string; managedFields?: unknown };
    }[];
    expect(liveObjects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment']);
    // Live objects are the cluster's: they carry a uid, without the managedFields noise.
    expect(liveObjects.every((o) => typeof o.metadata.uid === 'string' && !o.metadata.managedFields)).toBe(
      true,
    );

    const refreshed = await cli('app', 'refresh', name, '--hard');
    expect(refreshed).toMatchObject({ code: 0, stdout: `${name}  sync=Synced  health=Healthy\n` });
    // After a comparison, each resource has its health too.
    const resources = await cli('app', 'resources', name);
    expect(resources.code).toBe(0);
    expect(resources.stdout.split('\n')[0]).toMatch(/^GROUP\s+KIND\s+NAMESPACE\s+NAME\s+STATUS\s+HEALTH$/);
    expect(resources.stdout).toMatch(
      new RegExp(`apps\\s+Deployment\\s+${ns}\\s+guestbook-ui\\s+Synced\\s+Healthy`),
    );
    expect((await cli('app', 'resources', name, '-o', 'name')).stdout.split('\n').sort()).toEqual([
      '',
      'ConfigMap/guestbook-config',
      'Deployment/guestbook-ui',
    ]);

    // The Pods of the Deployment, found through its selector: each one's log is asked of the
    // cluster. The test bed's fake nodes (kwok) serve no logs, so the API server's answer for each
    // Pod comes back named, and the command exits 2.
    const pods = (await kubectl(['get', 'pods', '-n', ns, '-l', 'app=guestbook-ui', '-o', 'name']))
      .trim()
      .split('\n')
      .map((p) => p.replace('pod/', ''))
      .sort();
    expect(pods).toHaveLength(2);
    const logs = await cli('app', 'logs', name, '--tail', '5', '-c', 'ui');
    expect(logs.code).toBe(2);
    const named = [...logs.stderr.matchAll(/^error: Pod\/([^/]+)\/(\S+) container ui: /gm)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(named.map(([, pod]) => pod).sort()).toEqual(pods);
    expect(named.every(([podNs]) => podNs === ns)).toBe(true);
    // The API server took each request (a wrong Accept header is refused with 406) and went to the
    // Pod's node for the log: kwok's fake nodes have no address, or serve no logs (404 pods/log).
    // On a real node this is where the log comes from.
    expect(
      logs.stderr
        .split('\n')
        .filter(Boolean)
        .filter(
          (l) =>
            !/(no preferred addresses found|could not find the requested resource \( pods\/log )/.test(l),
        ),
    ).toEqual([]);
    // A container the Pods do not have: no Pod to read, said so.
    expect((await cli('app', 'logs', name, '-c', 'nope')).stderr).toContain(`app '${name}' runs no Pods`);
    // A container name is checked before it reaches the cluster's URL.
    const bad = await cli('app', 'logs', name, '-c', '../../secrets?x=');
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain('container must be a DNS label');
  });

  test("manifests never show a Secret's values, from Git or live (safety rule 4)", async () => {
    const name = uniqueName('secret');
    const ns = uniqueName('e2e-secret');
    namespaces.push(ns);
    const value = Buffer.from('hunter2-the-db-password').toString('base64');
    await repo.commit(
      {
        [`${name}/secret.yaml`]: `apiVersion: v1\nkind: Secret\nmetadata: { name: db }\ndata: { password: ${value} }\nstringData: { token: plain-token-value }\n`,
      },
      'a secret',
    );
    await createApp(name, ns, `{ repoURL: ${repo.url}, targetRevision: main, path: ${name} }`);
    const rendered = await cli('app', 'manifests', name, '-o', 'json');
    expect(rendered.code).toBe(0);
    expect(JSON.parse(rendered.stdout)).toMatchObject([
      { kind: 'Secret', data: { password: '++++++++' }, stringData: { token: '++++++++' } },
    ]);
    expect((await cli('app', 'sync', name, '--timeout', '90')).code).toBe(0);
    const live = await cli('app', 'manifests', name, '--source', 'live');
    expect(live.stdout).toContain('password: ++++++++');
    for (const out of [rendered.stdout, live.stdout]) {
      expect(out).not.toContain(value);
      expect(out).not.toContain('plain-token-value');
    }
  });

  test('set and patch change source, sync policy and Helm parameters, as the server checks them', async () => {
    const name = uniqueName('helmset');
    const ns = uniqueName('e2e-helmset');
    namespaces.push(ns);
    await createApp(name, ns, `{ repoURL: ${repo.url}, targetRevision: main, path: charts/web }`);
    const replicas = async () => {
      const out = await cli('app', 'manifests', name, '-o', 'json');
      expect(out.code).toBe(0);
      const d = (JSON.parse(out.stdout) as { kind: string; spec?: { replicas?: number } }[]).find(
        (o) => o.kind === 'Deployment',
      );
      return d?.spec?.replicas;
    };
    expect(await replicas()).toBe(1);

    expect(
      await cli('app', 'set', name, '-p', 'replicas=4', '--sync-policy', 'automated', '--self-heal'),
    ).toMatchObject({
      code: 0,
      stdout: `application '${name}' updated\n`,
    });
    const app = JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout).app as {
      sources: { helm?: { parameters: unknown[] } }[];
      syncPolicy: { automated?: { selfHeal?: boolean } };
    };
    expect(app.sources[0]!.helm!.parameters).toEqual([{ name: 'replicas', value: '4' }]);
    expect(app.syncPolicy.automated?.selfHeal).toBe(true);
    expect(await replicas()).toBe(4);

    await cli('app', 'set', name, '--values', '../../env/prod-values.yaml', '--helm-set', 'replicas=5');
    expect(await replicas()).toBe(5);

    const merged = await cli(
      'app',
      'patch',
      name,
      '--patch',
      '{"spec":{"source":{"helm":{"parameters":null}}}}',
    );
    expect(merged.code).toBe(0);
    expect(await replicas()).toBe(3); // prod-values.yaml

    const json = await cli(
      'app',
      'patch',
      name,
      '--type',
      'json',
      '--patch',
      '[{"op":"replace","path":"/spec/syncPolicy","value":{}}]',
    );
    expect(json.code).toBe(0);
    expect(
      JSON.parse((await cli('app', 'get', name, '-o', 'json')).stdout).app.syncPolicy.automated,
    ).toBeUndefined();

    // What the server refuses stays refused: an attacker's release name is named, nothing saved.
    const hostile = await cli('app', 'set', name, '--release-name=--post-renderer=/bin/sh');
    expect(hostile.code).toBe(2);
    expect(hostile.stderr).toContain('releaseName "--post-renderer=/bin/sh" is not valid');
    expect(await replicas()).toBe(3);
    // A patch may not rename the app or pollute prototypes.
    expect((await cli('app', 'patch', name, '--patch', '{"metadata":{"name":"other"}}')).stderr).toContain(
      'may not rename',
    );
    expect(
      (
        await cli(
          'app',
          'patch',
          name,
          '--type',
          'json',
          '--patch',
          '[{"op":"add","path":"/__proto__/x","value":1}]',
        )
      ).stderr,
    ).toContain('__proto__ is not allowed');
  });

  test('the global --server and `cluster add NAME --server URL` each keep their meaning', async () => {
    const name = uniqueName('c');
    // Before the fix: "required option '--server <url>' not specified". The cluster's server is
    // refused by the URL guard (it is internal), which proves it reached the API as the cluster's.
    const added = await cli(
      'cluster',
      'add',
      name,
      '--server',
      'https://10.1.2.3:6443',
      '--token',
      't0ken-value',
    );
    expect(added.code).toBe(2);
    expect(added.stderr).toMatch(new RegExp(`^error: Cluster/${name}.*server`));
    // The connection options after the command work too, as with kubectl and argocd.
    const after = await execFileAsync(
      cliPath,
      ['app', 'list', '--gitferry-server', server.url, '-o', 'name'],
      {
        env: { ...process.env, GITFERRY_DATA_DIR: dataDir },
      },
    );
    expect(after.stderr).toBe('');
    const viaEnv = await execFileAsync(cliPath, ['app', 'list', '-o', 'name'], {
      env: { ...process.env, GITFERRY_DATA_DIR: dataDir, GITFERRY_SERVER: server.url },
    });
    expect(viaEnv.stdout).toBe(after.stdout);
  });

  test('completion scripts offer the verbs the CLI has', async () => {
    const script = (await execFileAsync(cliPath, ['completion', 'bash'])).stdout;
    const complete = (words: string) =>
      new Promise<string[]>((resolve, reject) =>
        execFile(
          'bash',
          [
            '-c',
            `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _gitferry; printf '%s\\n' "\${COMPREPLY[@]}"`,
          ],
          (err, stdout) => (err ? reject(err) : resolve(stdout.trim().split('\n'))),
        ),
      );
    expect(await complete('gitferry app l')).toEqual(['list', 'logs']);
    expect(await complete('gitferry app logs x --t')).toEqual(['--tail']);
    expect(await complete('gitferry cluster add x --s')).toEqual(['--server']);
    const zsh = (await execFileAsync(cliPath, ['completion', 'zsh'])).stdout;
    expect(zsh.startsWith('#compdef gitferry\n')).toBe(true);
    const fish = (await execFileAsync(cliPath, ['completion', 'fish'])).stdout;
    expect(fish).toContain(
      "complete -c gitferry -n '__fish_seen_subcommand_from app; and not __fish_seen_subcommand_from create list get",
    );
  });
});
