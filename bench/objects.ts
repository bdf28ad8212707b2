import type { KubeObject } from '../shared/domain/kube-object.js';

/** A 1,000-object app: half ConfigMaps, a quarter Services, a quarter Deployments (0 replicas, to measure apply, not rollout). */
export function benchObjects(count: number, ns: string, changed = new Set<number>()): KubeObject[] {
  return Array.from({ length: count }, (_, i): KubeObject => {
    const name = `obj-${String(i).padStart(4, '0')}`;
    const value = changed.has(i) ? 'changed' : 'original';
    if (i % 4 < 2) {
      return {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: ns, labels: { bench: 'yes' } },
        data: { value, index: String(i) },
      };
    }
    if (i % 4 === 2) {
      return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns, annotations: { value } },
        spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
      };
    }
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, annotations: { value } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'registry.invalid/app:1',
                ports: [{ containerPort: 8080 }],
                env: [{ name: 'INDEX', value: String(i) }],
              },
            ],
          },
        },
      },
    };
  });
}

/** Ten objects changed in the "10-object change" round. */
export const tenChanged = new Set(
  [0, 1, 4, 5, 100, 101, 500, 501, 998, 999]
    .filter((i) => i % 4 < 2)
    .concat([2, 3, 502, 503])
    .slice(0, 10),
);
