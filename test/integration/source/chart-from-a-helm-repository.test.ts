import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileAsync, testbed } from '../../support/testbed.js';
import { sourceKit, type SourceKit } from '../../support/source.js';

describe('a chart from an HTTPS Helm repository', () => {
  let kit: SourceKit;
  let server: Server;
  let repoURL: string;
  let dir: string;
  beforeAll(async () => {
    kit = sourceKit();
    dir = mkdtempSync(join(tmpdir(), 'gitferry-helmrepo-'));
    // A real chart repository: `helm package` + `helm repo index`, served over HTTP.
    server = createServer((req, res) => {
      try {
        res.end(readFileSync(join(dir, new URL(req.url ?? '/', 'http://x').pathname.slice(1))));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    repoURL = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const chart = fileURLToPath(new URL('../../fixtures/repos/helm-app/charts/web', import.meta.url));
    await execFileAsync(testbed().bin.helm, ['package', chart, '-d', dir]);
    await execFileAsync(testbed().bin.helm, ['repo', 'index', dir, '--url', repoURL]);
  });
  afterAll(async () => {
    kit.dispose();
    rmSync(dir, { recursive: true, force: true });
    await new Promise((r) => server.close(r));
  });

  test('pulls the chart version named by targetRevision and renders it', async () => {
    const result = await kit.renderer.render({
      appName: 'shop',
      namespace: 'payments',
      sources: [
        {
          repoURL,
          chart: 'web',
          targetRevision: '1.2.0',
          helm: { parameters: [{ name: 'replicas', value: '2' }] },
        },
      ],
      revisions: ['1.2.0'],
    });
    expect(result.objects.map((o) => o.object.kind).sort()).toEqual(['ConfigMap', 'Deployment']);
    expect(
      (result.objects.find((o) => o.object.kind === 'Deployment')!.object.spec as { replicas: number })
        .replicas,
    ).toBe(2);
  });

  test('names a chart version the repository does not have', async () => {
    await expect(
      kit.renderer.render({
        appName: 'shop',
        namespace: 'payments',
        sources: [{ repoURL, chart: 'web' }],
        revisions: ['9.9.9'],
      }),
    ).rejects.toThrow('chart web: no version matches "9.9.9" (the repository has 1.2.0)');
  });
});
