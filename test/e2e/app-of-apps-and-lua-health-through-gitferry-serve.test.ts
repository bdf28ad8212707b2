import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../testbed/free-port.js';
import { cliAgainst, eventuallyWithServeLog, startServe, type ServeProcess } from '../support/serve.js';
import { TestRepo } from '../support/git.js';
import { kubectl, uniqueName } from '../support/testbed.js';

// An app of apps on `gitferry serve` (local runtime, its worker loop) against the test bed: child
// Applications in Git become apps, are updated and deleted with Git; a child asking for another
// project or another app's name is refused in the parent's status; the parent's health is its
// children's. One child deploys a custom resource whose health only a Lua script (given to serve
// with --health-checks) can judge.
describe('an app of apps and Lua health through gitferry serve and the CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-aoa-'));
  const checksDir = join(dataDir, 'health-checks');
  const parent = uniqueName('aoa');
  const ns = uniqueName('e2e-aoa');
  const kind = `Cache${parent.slice(4)}`;
  const plural = `cache${parent.slice(4)}s`;
  let port: number;
  let server: ServeProcess;
  let repo: TestRepo;

  const eventually = eventuallyWithServeLog(() => server);
  const cli = cliAgainst(() => server, dataDir);
  const appView = async (name: string) => {
    const r = await cli('app', 'get', name, '-o', 'json');
    return r.code === 0
      ? (JSON.parse(r.stdout) as {
          app: { sources: { path: string }[]; parent?: string };
          status?: { health: { status: string; message?: string }; conditions?: { message: string }[] };
        })
      : undefined;
  };
  const configMap = async (name: string) =>
    kubectl(['get', 'configmap', '-n', ns, name, '-o', 'name']).catch(() => undefined);

  const child = (name: string, path: string, opts: { finalizer?: boolean; project?: string } = {}) =>
    [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata:',
      `  name: ${name}`,
      '  namespace: argocd',
      ...(opts.finalizer ? ['  finalizers: [resources-finalizer.argocd.argoproj.io]'] : []),
      'spec:',
      `  project: ${opts.project ?? 'default'}`,
      `  source: {repoURL: ${repo.url}, path: ${path}, targetRevision: main}`,
      `  destination: {name: testbed, namespace: ${ns}}`,
      '  syncPolicy: {automated: {prune: true}}',
      '',
    ].join('\n');
  const configMapFile = (name: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {from: ${name}}\n`;

  beforeAll(async () => {
    port = await freePort();
    repo = await TestRepo.create('aoa');
    mkdirSync(checksDir);
    writeFileSync(
      join(checksDir, `gitferry.dev_${kind}.lua`),
      [
        'local s = obj.status',
        'if s == nil or s.phase == nil then return { status = "Progressing", message = "waiting for the controller" } end',
        'if s.phase == "Broken" then return { status = "Degraded", message = "cache broken: " .. s.reason } end',
        'return { status = "Healthy" }',
      ].join('\n'),
    );
    // serve reads --health-checks from its environment default.
    server = await startServe({ port, dataDir, cluster: true, env: { GITFERRY_HEALTH_CHECKS: checksDir } });
    await kubectl(['create', 'namespace', ns]);
  }, 60_000);
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    repo.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    await kubectl(['delete', 'crd', `${plural}.gitferry.dev`, '--wait=false', '--ignore-not-found']);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('children are created, updated and deleted with Git; refused ones are named; health is the worst', async () => {
    const [a, b, lua, other, victim] = ['a', 'b', 'lua', 'other', 'victim'].map((s) => `${parent}-${s}`) as [
      string,
      string,
      string,
      string,
      string,
    ];
    // An app created through the API, whose name a child will try to take.
    const victimFile = join(dataDir, 'victim.yaml');
    writeFileSync(victimFile, child(victim, 'child-a').replace('  namespace: argocd\n', ''));
    expect((await cli('app', 'create', '-f', victimFile)).code).toBe(0);

    await repo.commit({
      [`apps/${a}.yaml`]: child(a, 'child-a', { finalizer: true }),
      [`apps/${b}.yaml`]: child(b, 'child-b'),
      [`apps/${lua}.yaml`]: child(lua, 'lua'),
      [`apps/${other}.yaml`]: child(other, 'child-a', { project: 'team-payments' }),
      [`apps/${victim}.yaml`]: child(victim, 'child-b'),
      'child-a/cm.yaml': configMapFile('cfg-a'),
      'child-b/cm.yaml': configMapFile('cfg-b'),
      'child-b2/cm.yaml': configMapFile('cfg-b2'),
      'lua/crd.yaml': [
        'apiVersion: apiextensions.k8s.io/v1',
        'kind: CustomResourceDefinition',
        `metadata: {name: ${plural}.gitferry.dev}`,
        'spec:',
        '  group: gitferry.dev',
        '  scope: Namespaced',
        `  names: {plural: ${plural}, singular: ${plural.slice(0, -1)}, kind: ${kind}}`,
        '  versions:',
        '    - name: v1',
        '      served: true',
        '      storage: true',
        '      subresources: {status: {}}',
        '      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}',
        '',
      ].join('\n'),
      'lua/cache.yaml': `apiVersion: gitferry.dev/v1\nkind: ${kind}\nmetadata: {name: cache}\nspec: {size: 1}\n`,
    });
    const parentFile = join(dataDir, 'parent.yaml');
    writeFileSync(
      parentFile,
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        `metadata: {name: ${parent}}`,
        'spec:',
        '  project: default',
        `  source: {repoURL: ${repo.url}, path: apps, targetRevision: main}`,
        '  destination: {name: testbed, namespace: argocd}',
        '',
      ].join('\n'),
    );
    expect((await cli('app', 'create', '-f', parentFile)).code).toBe(0);
    const first = await cli('app', 'sync', parent, '--timeout', '120');
    console.log(`first parent sync: ${first.stdout.trim()}`);
    expect(first.stdout).toContain('child apps: 3 created, 2 refused');

    // Created: the children sync themselves (automated) and deploy.
    expect((await appView(a))?.app.parent).toBe(parent);
    await eventually(
      'cfg-a and cfg-b deployed by the children',
      async () => ((await configMap('cfg-a')) && (await configMap('cfg-b')) ? true : undefined),
      120_000,
      500,
    );
    // Refused, with the reason in the parent's status; the victim is untouched.
    const conditions = (await appView(parent))!.status!.conditions!.map((c) => c.message);
    console.log(`parent conditions:\n  ${conditions.join('\n  ')}`);
    expect(conditions).toEqual(
      expect.arrayContaining([
        `Application/${other}: project team-payments is neither the parent's project (default) nor one the parent defines; refused`,
        `Application/${victim}: an app of this name exists and is not a child of ${parent}; refused`,
      ]),
    );
    expect((await appView(victim))!.app.parent).toBeUndefined();
    expect((await appView(victim))!.app.sources[0]!.path).toBe('child-a');

    // Lua health: Progressing until the "controller" writes a status, then Degraded.
    await eventually(
      'the custom resource Progressing by its Lua script',
      async () => ((await appView(lua))?.status?.health.status === 'Progressing' ? true : undefined),
      120_000,
      500,
    );
    await kubectl([
      'patch',
      `${plural}.gitferry.dev`,
      'cache',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { phase: 'Broken', reason: 'disk full' } }),
    ]);
    const luaGet = await eventually(
      'the Lua child Degraded',
      async () => {
        const r = await cli('app', 'get', lua);
        return r.stdout.includes('Health:     Degraded') ? r.stdout : undefined;
      },
      120_000,
      500,
    );
    console.log(`gitferry app get ${lua}:\n${luaGet}`);
    expect(luaGet).toMatch(/Health: {5}Degraded \(\S+\/cache: cache broken: disk full\)/);
    // The child's change of health wakes the parent: no parent sync needed for it to show.
    await eventually(
      'the parent Degraded through its child',
      async () => ((await appView(parent))?.status?.health.status === 'Degraded' ? true : undefined),
      120_000,
      500,
    );

    // Updated and deleted: b moves to another path; a (with the resources finalizer) leaves Git.
    await repo.git('rm', '-q', `apps/${a}.yaml`);
    await repo.commit({ [`apps/${b}.yaml`]: child(b, 'child-b2') });
    const second = await cli('app', 'sync', parent, '--prune', '--timeout', '120');
    console.log(`second parent sync: ${second.stdout.trim()}`);
    expect(second.stdout).toContain('child apps: 1 updated, 1 deleted, 2 refused');
    expect(await appView(a)).toBeUndefined();
    expect((await appView(b))!.app.sources[0]!.path).toBe('child-b2');
    await eventually(
      'cfg-a deleted with its app (cascade), cfg-b2 deployed',
      async () => (!(await configMap('cfg-a')) && (await configMap('cfg-b2')) ? true : undefined),
      120_000,
      500,
    );
    // The parent is as healthy as its worst child.
    const parentGet = await cli('app', 'get', parent);
    console.log(`gitferry app get ${parent}:\n${parentGet.stdout}`);
    expect(parentGet.stdout).toContain(`Health:     Degraded (Application/${lua} is Degraded: `);
    expect(parentGet.stdout).toMatch(/\/cache: cache broken: disk full\)/);

    // Without the finalizer, only the app record goes: its objects stay.
    await repo.git('rm', '-q', `apps/${b}.yaml`);
    await repo.commit({});
    const third = await cli('app', 'sync', parent, '--prune', '--timeout', '120');
    expect(third.stdout).toContain('child apps: 1 deleted, 2 refused');
    expect(await appView(b)).toBeUndefined();
    expect(await configMap('cfg-b2')).toBeDefined();
  }, 600_000);
});
