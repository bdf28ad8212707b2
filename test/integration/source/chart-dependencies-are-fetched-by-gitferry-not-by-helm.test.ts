import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { TestRepo } from '../../support/git.js';
import {
  nonLoopbackAddress,
  startRequestCounter,
  type RequestCounter,
} from '../../support/request-counter.js';
import { sourceKit, type SourceKit } from '../../support/source.js';
import { execFileAsync, testbed } from '../../support/testbed.js';

// A chart in Git that lists dependencies in Chart.yaml without vendoring them, as most charts on
// GitHub do: Gitferry fetches them as `helm dependency build` would, through its guarded client.
describe('a chart whose dependencies are not vendored', () => {
  let kit: SourceKit;
  let repo: TestRepo;
  let helmRepo: RequestCounter;
  let reserved: RequestCounter;
  let dir: string;
  const archives = new Map<string, Buffer>();
  beforeAll(async () => {
    kit = sourceKit();
    repo = await TestRepo.create('helm-deps');
    dir = mkdtempSync(join(tmpdir(), 'gitferry-helm-deps-'));
    const web = fileURLToPath(new URL('../../fixtures/repos/helm-app/charts/web', import.meta.url));
    for (const version of ['1.2.0', '1.3.0']) {
      await execFileAsync(testbed().bin.helm, ['package', web, '--version', version, '-d', dir]);
      archives.set(version, readFileSync(join(dir, `web-${version}.tgz`)));
    }
    const index = {
      apiVersion: 'v1',
      entries: {
        web: [...archives.keys()].map((v) => ({ name: 'web', version: v, urls: [`web-${v}.tgz`] })),
      },
    };
    const serve = (url: string) =>
      url === '/index.yaml' ? stringify(index) : (archives.get(/web-(.+)\.tgz$/.exec(url)?.[1] ?? '') ?? '');
    helmRepo = await startRequestCounter('127.0.0.1', serve);
    reserved = await startRequestCounter((await nonLoopbackAddress()) ?? '127.0.0.1', serve);
  });
  afterAll(async () => {
    kit.dispose();
    repo.dispose();
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([helmRepo.close(), reserved.close()]);
  });

  const chart = (dependencies: object[], extra: Record<string, string> = {}) => ({
    'shop/Chart.yaml': stringify({ apiVersion: 'v2', name: 'shop', version: '0.1.0', dependencies }),
    'shop/templates/main.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-main\n',
    'lib/Chart.yaml': 'apiVersion: v2\nname: lib\nversion: 0.2.0\n',
    'lib/templates/lib.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-lib\n',
    ...extra,
  });
  let renders = 0;
  const render = async (files: Record<string, string>) => {
    const sha = await repo.commit(files);
    const result = await kit.renderer.render({
      appName: `shop${renders++}`,
      namespace: 'shop',
      sources: [{ repoURL: repo.url, path: 'shop', helm: { releaseName: 'shop' } }],
      revisions: [sha],
    });
    return result.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).sort();
  };

  test('from an HTTP Helm repository, at the newest version the constraint allows, without touching the checkout', async () => {
    expect(await render(chart([{ name: 'web', version: '^1.2', repository: helmRepo.url }]))).toEqual([
      'ConfigMap/shop-main',
      'ConfigMap/shop-settings',
      'Deployment/shop',
    ]);
    expect(helmRepo.requests.map((r) => r.url)).toEqual(['/index.yaml', '/web-1.3.0.tgz']);
    // The shared checkout was not written: no charts/ appeared in it.
    for (const checkout of readdirSync(join(kit.root, 'checkouts')).filter((d) => !d.endsWith('.git')))
      expect(readdirSync(join(kit.root, 'checkouts', checkout, 'shop'))).not.toContain('charts');
  });

  test('at the version Chart.lock pins', async () => {
    helmRepo.requests.splice(0);
    const lock = stringify({ dependencies: [{ name: 'web', version: '1.2.0', repository: helmRepo.url }] });
    await render(
      chart([{ name: 'web', version: '^1.2', repository: helmRepo.url }], { 'shop/Chart.lock': lock }),
    );
    expect(helmRepo.requests.map((r) => r.url)).toEqual(['/index.yaml', '/web-1.2.0.tgz']);
  });

  test('from a file:// path inside the repository', async () => {
    expect(await render(chart([{ name: 'lib', version: '0.2.0', repository: 'file://../lib' }]))).toEqual([
      'ConfigMap/from-lib',
      'ConfigMap/shop-main',
    ]);
  });

  test.each<[string, object, RegExp]>([
    [
      'a file:// path out of the repository',
      { name: 'lib', repository: 'file://../../../../etc' },
      /dependency lib .* leaves the repository checkout/,
    ],
    [
      'a helm repository alias',
      { name: 'web', repository: '@stable' },
      /dependency web: repository "@stable" is not supported/,
    ],
    [
      'an OCI registry written with credentials',
      { name: 'web', repository: 'oci://deploy:s3cr3t@registry.example.com/charts' },
      /dependency web: OCI registry "oci:\/\/…@registry.example.com\/charts" must be written oci:\/\/host\[:port\]\/path, without credentials/,
    ],
    [
      'no repository',
      { name: 'web' },
      /dependency web is neither vendored under charts\/ nor given a repository/,
    ],
    [
      'an option-shaped version',
      { name: 'web', version: '--post-renderer=/bin/sh', repository: 'https://charts.example.com' },
      /dependency web version "--post-renderer/,
    ],
    [
      'an option-shaped name',
      { name: '--post-renderer', repository: 'https://charts.example.com' },
      /dependencies\[0\]\.name "--post-renderer" is not valid/,
    ],
  ])('%s is refused, naming the dependency', async (_what, dep, why) => {
    await expect(render(chart([dep]))).rejects.toThrow(why);
  });

  test('a repository on a reserved address is refused and never contacted', async () => {
    await expect(
      render(chart([{ name: 'web', version: '1.2.0', repository: reserved.url }])),
    ).rejects.toThrow(/refused: its host is .*a reserved address/);
    expect(reserved.requests).toEqual([]);
  });
});
