import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { FileSecretStore } from '../../../shared/adapters/local/file-secret-store.js';
import { repoCredentialsResolver } from '../../../shared/control/repo-credentials.js';
import { freePort } from '../../testbed/free-port.js';
import { chartRepoCredentials } from '../../testbed/chart-repo-credentials.js';
import {
  chartServers,
  helmPush,
  indexCharts,
  ociRegistryCredentials,
  packageChart,
  type ChartServers,
} from '../../support/charts.js';
import { TestRepo } from '../../support/git.js';
import { sourceKit, type SourceKit } from '../../support/source.js';
import { uniqueName } from '../../support/testbed.js';

// A chart in Git whose dependencies come from the test bed's chart repository (HTTP, behind Basic
// auth) and its OCI registry (CNCF distribution, htpasswd), pushed there with the real helm.
// Credentials come from the secret store through the credential rules, as in `gitferry serve`.
describe('a chart with an HTTP and an OCI dependency', () => {
  let servers: ChartServers;
  let kit: SourceKit;
  let repo: TestRepo;
  let work: string;
  let httpRepo: string;
  let ociRepo: string;
  let credentials: (url: string) => Promise<{ username?: string; password: string } | undefined>;
  beforeAll(async () => {
    servers = await chartServers();
    work = mkdtempSync(join(tmpdir(), 'gitferry-oci-deps-'));
    const area = uniqueName('deps');
    // The web chart in the HTTP repository's private area.
    const web = fileURLToPath(new URL('../../fixtures/repos/helm-app/charts/web', import.meta.url));
    const privateDir = join(servers.chartsDir, 'private', area);
    await packageChart(web, '1.2.0', privateDir);
    await indexCharts(privateDir);
    httpRepo = `${servers.chartsUrl}/private/${area}`;
    // The db chart in the OCI registry.
    const db = join(work, 'db');
    mkdirSync(join(db, 'templates'), { recursive: true });
    writeFileSync(join(db, 'Chart.yaml'), 'apiVersion: v2\nname: db\nversion: 0.0.0\n');
    writeFileSync(
      join(db, 'templates', 'db.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-db\ndata:\n  version: {{ .Chart.Version | quote }}\n',
    );
    for (const v of ['2.0.0', '2.1.0'])
      await helmPush(await packageChart(db, v, join(work, 'out')), servers.ociHost, area);
    ociRepo = `oci://${servers.ociHost}/${area}`;
    // Credential rules naming secrets; the secrets are files of the secret store.
    const secrets = join(work, 'secrets');
    mkdirSync(join(secrets, 'charts'), { recursive: true });
    writeFileSync(join(secrets, 'charts', 'http'), JSON.stringify(chartRepoCredentials));
    writeFileSync(join(secrets, 'charts', 'oci'), JSON.stringify(ociRegistryCredentials));
    credentials = repoCredentialsResolver(
      [
        { urlPrefix: `${servers.chartsUrl}/private`, secret: 'charts/http' },
        { urlPrefix: `oci://${servers.ociHost}`, secret: 'charts/oci' },
      ],
      new FileSecretStore(secrets, { env: {} }),
    );
    kit = sourceKit({ ociPlainHttpHosts: [servers.ociHost] });
    repo = await TestRepo.create('oci-deps');
  }, 120_000);
  afterAll(async () => {
    kit?.dispose();
    repo?.dispose();
    rmSync(work, { recursive: true, force: true });
    await servers?.close();
  });

  const chart = (dependencies: object[], extra: Record<string, string> = {}): Record<string, string> => ({
    'shop/Chart.yaml': stringify({ apiVersion: 'v2', name: 'shop', version: '0.1.0', dependencies }),
    'shop/templates/main.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-main\n',
    ...extra,
  });
  let renders = 0;
  const render = async (files: Record<string, string>, withCredentials = true) => {
    const sha = await repo.commit(files);
    const result = await kit.renderer.render({
      appName: `shop${renders++}`,
      namespace: 'shop',
      sources: [{ repoURL: repo.url, path: 'shop', helm: { releaseName: 'shop' } }],
      revisions: [sha],
      credentials: withCredentials ? credentials : undefined,
    });
    return result.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).sort();
  };
  const both = () => [
    { name: 'web', version: '^1.2', repository: httpRepo },
    { name: 'db', version: '^2.0', repository: ociRepo },
  ];

  test('renders with both dependencies, the OCI one at the newest version the constraint allows', async () => {
    const sha = await repo.commit(chart(both()));
    const result = await kit.renderer.render({
      appName: 'shop-both',
      namespace: 'shop',
      sources: [{ repoURL: repo.url, path: 'shop', helm: { releaseName: 'shop' } }],
      revisions: [sha],
      credentials,
    });
    const objects = result.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).sort();
    console.log(`chart with an HTTP and an OCI dependency rendered: ${objects.join(', ')}`);
    expect(objects).toEqual([
      'ConfigMap/shop-db',
      'ConfigMap/shop-main',
      'ConfigMap/shop-settings',
      'Deployment/shop',
    ]);
    const db = result.objects.find((o) => o.object.metadata.name === 'shop-db')!.object as unknown as {
      data: { version: string };
    };
    expect(db.data.version).toBe('2.1.0');
  });

  test('a chart from the OCI registry as an Application source (repoURL oci://…, chart, targetRevision)', async () => {
    const result = await kit.renderer.render({
      appName: 'db-app',
      namespace: 'data',
      sources: [{ repoURL: ociRepo, chart: 'db', targetRevision: '2.0.0', helm: { releaseName: 'orders' } }],
      revisions: ['2.0.0'],
      credentials,
    });
    expect(
      result.objects.map((o) => [o.object.metadata.name, (o.object as unknown as { data: object }).data]),
    ).toEqual([['orders-db', { version: '2.0.0' }]]);
  });

  test('without credentials each repository says that authentication failed, naming it', async () => {
    await expect(render(chart([both()[1]!]), false)).rejects.toThrow(
      `oci://${servers.ociHost}/${ociRepo.split('/').pop()}/db: authentication failed (HTTP 401): the registry wants credentials and none are configured for it`,
    );
    await expect(render(chart([both()[0]!]), false)).rejects.toThrow(
      `Helm repository index ${httpRepo}/index.yaml: authentication failed (HTTP 401)`,
    );
  });

  test('with a Chart.lock, the dependencies are fetched once and reused while the lock is unchanged', async () => {
    const lock = stringify({
      dependencies: [
        { name: 'web', version: '1.2.0', repository: httpRepo },
        { name: 'db', version: '2.0.0', repository: ociRepo },
      ],
      digest: 'sha256:0d6c2e3a3b1f7c9ed11ea1ba0ffb6e7de6da0f5c4f6f0b0b0a5ee4b0b5e6a6c1',
    });
    const files = chart(both(), { 'shop/Chart.lock': lock });
    expect(await render(files)).toContain('ConfigMap/shop-db');
    // The chart repository loses the chart: a render of the same lock still works, from the cache.
    const area = httpRepo.split('/').pop()!;
    const gone = join(servers.chartsDir, 'private', area, 'web-1.2.0.tgz');
    rmSync(gone);
    try {
      expect(await render(files)).toContain('Deployment/shop');
      // Without the credentials, the cached charts are not handed out: the fetch is tried and fails.
      await expect(render(files, false)).rejects.toThrow(/authentication failed \(HTTP 401\)/);
      // Another lock is another key: fetched again, and the missing archive is reported.
      const other = files['shop/Chart.lock']!.replace('sha256:0d6c', 'sha256:1d6c');
      await expect(render({ ...files, 'shop/Chart.lock': other })).rejects.toThrow(
        `shop: dependency web: chart web 1.2.0 ${httpRepo}/web-1.2.0.tgz: HTTP 404`,
      );
    } finally {
      await packageChart(
        fileURLToPath(new URL('../../fixtures/repos/helm-app/charts/web', import.meta.url)),
        '1.2.0',
        join(servers.chartsDir, 'private', area),
      );
    }
  });

  test('a chart repository that cannot be reached: the error names it and says why', async () => {
    const closed = await freePort();
    const httpErr = await render(
      chart([{ name: 'web', version: '1.2.0', repository: `http://127.0.0.1:${closed}/charts` }]),
    ).catch((e: Error) => e);
    const ociErr = await render(
      chart([{ name: 'db', version: '2.0.0', repository: `oci://127.0.0.1:${closed}/charts` }]),
    ).catch((e: Error) => e);
    console.log(
      `unreachable chart repositories:\n  ${(httpErr as Error).message}\n  ${(ociErr as Error).message}`,
    );
    expect(httpErr).toMatchObject({
      code: 'source:fetch-failed',
      message: `shop: dependency web: Helm repository index http://127.0.0.1:${closed}/charts/index.yaml failed: connect ECONNREFUSED 127.0.0.1:${closed}`,
    });
    expect(ociErr).toMatchObject({
      code: 'source:fetch-failed',
      message: `shop: dependency db: chart db 2.0.0 https://127.0.0.1:${closed}/v2/charts/db/manifests/2.0.0 failed: connect ECONNREFUSED 127.0.0.1:${closed}`,
    });
  });
});
