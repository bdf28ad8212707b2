import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { stringify } from 'yaml';
import { execFileAsync, testbed } from '../../support/testbed.js';
import {
  nonLoopbackAddress,
  startRequestCounter,
  type RequestCounter,
} from '../../support/request-counter.js';
import { sourceKit, type SourceKit } from '../../support/source.js';

const token = 'helm-repo-token-5b1f0c';

// A chart repository whose index.yaml the test writes: each test points the chart's URL somewhere.
describe('a Helm repository index', () => {
  let kit: SourceKit;
  let dir: string;
  let repo: RequestCounter;
  let elsewhere: RequestCounter;
  let reserved: RequestCounter;
  let index: Record<string, unknown>;
  const archives = new Map<string, Buffer>();
  beforeAll(async () => {
    kit = sourceKit();
    dir = mkdtempSync(join(tmpdir(), 'gitferry-helmrepo-hostile-'));
    const chart = fileURLToPath(new URL('../../fixtures/repos/helm-app/charts/web', import.meta.url));
    for (const version of ['1.2.0', '1.3.0', '2.0.0', '2.1.0-rc.1']) {
      await execFileAsync(testbed().bin.helm, ['package', chart, '--version', version, '-d', dir]);
      archives.set(version, readFileSync(join(dir, `web-${version}.tgz`)));
    }
    const serve = (url: string) => {
      if (url === '/index.yaml') return stringify(index);
      const m = /web-(.+)\.tgz$/.exec(url);
      return (m && archives.get(m[1]!)) || archives.get('1.2.0')!;
    };
    repo = await startRequestCounter('127.0.0.1', serve);
    elsewhere = await startRequestCounter('127.0.0.1', serve);
    reserved = await startRequestCounter((await nonLoopbackAddress()) ?? '127.0.0.1', serve);
  });
  afterAll(async () => {
    kit.dispose();
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([repo.close(), elsewhere.close(), reserved.close()]);
  });
  beforeEach(() => [repo, elsewhere, reserved].forEach((c) => c.requests.splice(0)));

  const entry = (version: string, url: string, digest?: string) => ({
    apiVersion: 'v2',
    name: 'web',
    version,
    urls: [url],
    digest: digest ?? createHash('sha256').update(archives.get(version)!).digest('hex'),
  });
  // Each render its own app name: the renderer caches results by app, sources and revisions.
  let renders = 0;
  const render = (targetRevision: string, passCredentials = false) =>
    kit.renderer.render({
      appName: `shop${renders++}`,
      namespace: 'payments',
      sources: [{ repoURL: repo.url, chart: 'web', targetRevision, helm: { passCredentials } }],
      revisions: [targetRevision],
      credentials: async () => ({ username: 'ci', password: token }),
    });
  const authorization = (c: RequestCounter) => c.requests.map((r) => r.headers.authorization);

  test('a chart URL on a reserved or internal address is refused and never contacted', async () => {
    index = { apiVersion: 'v1', entries: { web: [entry('1.2.0', `${reserved.url}/web-1.2.0.tgz`)] } };
    await expect(render('1.2.0')).rejects.toThrow(/refused: its host is .*a reserved address/);
    expect(reserved.requests).toEqual([]);
  });

  test('a chart URL on the metadata service is refused', async () => {
    index = {
      apiVersion: 'v1',
      entries: { web: [entry('1.2.0', 'http://169.254.169.254/latest/meta-data/')] },
    };
    await expect(render('1.2.0')).rejects.toThrow(/169\.254\.169\.254.* refused: .*metadata/);
  });

  test('credentials go to the repository, never to another host its index names', async () => {
    index = { apiVersion: 'v1', entries: { web: [entry('1.2.0', `${elsewhere.url}/web-1.2.0.tgz`)] } };
    await render('1.2.0');
    expect(authorization(repo)).toEqual([`Basic ${Buffer.from(`ci:${token}`).toString('base64')}`]);
    expect(authorization(elsewhere)).toEqual([undefined]);
  });

  test('passCredentials sends them to the chart host too, as Argo CD does', async () => {
    index = { apiVersion: 'v1', entries: { web: [entry('1.2.0', `${elsewhere.url}/web-1.2.0.tgz`)] } };
    await render('1.2.0', true);
    expect(authorization(elsewhere)).toEqual([`Basic ${Buffer.from(`ci:${token}`).toString('base64')}`]);
  });

  test('an archive that does not match the index digest is refused', async () => {
    index = { apiVersion: 'v1', entries: { web: [entry('1.2.0', 'web-1.3.0.tgz', 'ab'.repeat(32))] } };
    await expect(render('1.2.0')).rejects.toThrow("chart web 1.2.0: the archive's sha256 does not match");
  });

  test('constraints pick the newest matching release, as helm does', async () => {
    index = {
      apiVersion: 'v1',
      entries: { web: ['1.2.0', '1.3.0', '2.0.0', '2.1.0-rc.1'].map((v) => entry(v, `web-${v}.tgz`)) },
    };
    const picked = async (rev: string) => {
      repo.requests.splice(0);
      await render(rev);
      return repo.requests.map((r) => r.url).filter((u) => u.endsWith('.tgz'));
    };
    expect(await picked('^1.2')).toEqual(['/web-1.3.0.tgz']);
    expect(await picked('>=1.0, <2.0')).toEqual(['/web-1.3.0.tgz']);
    expect(await picked('*')).toEqual(['/web-2.0.0.tgz']);
    expect(await picked('2.1.0-rc.1')).toEqual(['/web-2.1.0-rc.1.tgz']);
    await expect(render('--version=1')).rejects.toThrow(/chart version "--version=1" is not valid/);
  });

  test('an archive holding a symlink or a path out of the chart is refused before anything is unpacked', async () => {
    const evil = join(dir, 'evil');
    mkdirSync(join(evil, 'web', 'templates'), { recursive: true });
    writeFileSync(join(evil, 'web', 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 6.6.6\n');
    symlinkSync('/proc/self/environ', join(evil, 'web', 'templates', 'env.yaml'));
    await tar.c({ gzip: true, file: join(dir, 'evil.tgz'), cwd: evil }, ['web']);
    archives.set('6.6.6', readFileSync(join(dir, 'evil.tgz')));
    index = { apiVersion: 'v1', entries: { web: [entry('6.6.6', 'web-6.6.6.tgz')] } };
    await expect(render('6.6.6')).rejects.toThrow(
      /entries that are not plain files inside the chart: "web\/templates\/env\.yaml"/,
    );
  });
});
