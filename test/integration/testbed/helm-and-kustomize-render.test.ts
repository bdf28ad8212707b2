import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { execFileAsync, testbed } from '../../support/testbed.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../fixtures/testbed/${p}`, import.meta.url));

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { replicas?: number };
  data?: Record<string, string>;
}

describe('the test bed renderers', () => {
  test('helm template renders a fixture chart with values set on the command line', async () => {
    const { stdout } = await execFileAsync(testbed().bin.helm, [
      'template',
      'shop',
      fixture('chart'),
      '--set',
      'replicas=3',
    ]);
    const objs = loadAll(stdout) as Obj[];
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/shop-web',
      'Service/shop-web',
    ]);
    const deploy = objs.find((o) => o.kind === 'Deployment')!;
    expect(deploy.spec?.replicas).toBe(3);
    // The pinned helm was built to assume the test bed's Kubernetes minor offline, not 1.20.
    expect(deploy.metadata.labels?.['kube-version']).toBe('36');
  });

  test('kustomize build applies an overlay to its base', async () => {
    const { stdout } = await execFileAsync(testbed().bin.kustomize, ['build', fixture('kustomize/overlay')]);
    const objs = loadAll(stdout) as Obj[];
    expect(objs).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'prod-settings', namespace: 'prod', labels: { env: 'prod' } },
        data: { mode: 'overlay' },
      },
    ]);
  });
});
