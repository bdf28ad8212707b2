// Cost of a custom Lua health check against the built-in TypeScript check of a Deployment,
// measured in the same run: one evaluation of the shipped Certificate script in the reused VM
// (the normal path), the same with a fresh VM per object (what pooling avoids), and the built-in
// assessHealth of a live Deployment. Live objects carry managedFields, as the API server returns
// them. Prints the median of 5 rounds of each, after a warm-up, and the ratios.
import type { KubeObject } from '../shared/domain/kube-object.js';
import { assessHealth } from '../shared/engine/health.js';
import { LuaHealthChecks } from '../shared/engine/lua-health.js';
import { shippedHealthScripts } from '../shared/engine/lua-health-shipped.js';

const managedFields = Array.from({ length: 3 }, (_, i) => ({
  manager: `manager-${i}`,
  operation: 'Apply',
  apiVersion: 'v1',
  time: '2026-12-01T10:00:00Z',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': { 'f:replicas': {}, 'f:template': {} },
  },
}));

const certificate: KubeObject = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: {
    name: 'web-tls',
    namespace: 'web',
    generation: 1,
    labels: { app: 'web' },
    annotations: { 'argocd.argoproj.io/tracking-id': 'web:cert-manager.io/Certificate:web/web-tls' },
    managedFields,
  } as KubeObject['metadata'],
  spec: {
    secretName: 'web-tls',
    dnsNames: ['web.example.com'],
    issuerRef: { name: 'le', kind: 'ClusterIssuer' },
  },
  status: {
    notAfter: '2027-03-01T10:00:00Z',
    renewalTime: '2027-01-30T10:00:00Z',
    conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date' }],
  },
};

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'web',
    generation: 2,
    labels: { app: 'web' },
    managedFields,
  } as KubeObject['metadata'],
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'web:1' }] },
    },
  },
  status: {
    observedGeneration: 2,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ok' },
    ],
  },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Microseconds per evaluation of fn over n evaluations. */
async function perEvaluation(n: number, fn: () => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - start) * 1000) / n;
}

async function main(): Promise<void> {
  const rounds = 5;
  const pooled = new LuaHealthChecks(shippedHealthScripts);
  const expect = async (checks: LuaHealthChecks) => {
    const h = await checks.assess(certificate);
    if (h?.status !== 'Healthy') throw new Error(`unexpected health ${JSON.stringify(h)}`);
  };
  await perEvaluation(200, () => expect(pooled));
  await perEvaluation(2000, () => assessHealth(deployment));
  const lua: number[] = [];
  const builtIn: number[] = [];
  const fresh: number[] = [];
  for (let r = 0; r < rounds; r++) {
    lua.push(await perEvaluation(2000, () => expect(pooled)));
    builtIn.push(await perEvaluation(20000, () => assessHealth(deployment)));
    fresh.push(
      await perEvaluation(20, async () => {
        const once = new LuaHealthChecks(shippedHealthScripts);
        await expect(once);
        await once.close();
      }),
    );
  }
  await pooled.close();
  const [l, b, f] = [median(lua), median(builtIn), median(fresh)];
  console.log(`Health of one live object, median of ${rounds} rounds (µs per evaluation):`);
  console.log(`  Lua Certificate script, reused VM         ${l.toFixed(1)} µs`);
  console.log(`  Lua Certificate script, VM per object     ${f.toFixed(1)} µs`);
  console.log(`  baseline: built-in TypeScript Deployment  ${b.toFixed(2)} µs`);
  console.log(`  ratio Lua (reused VM) / built-in          ${(l / b).toFixed(1)}x`);
  console.log(`  ratio VM per object / reused VM           ${(f / l).toFixed(1)}x`);
}

await main();
