// Builds the engine against the test bed's cluster, and small helpers shared by engine tests.
import { dump, loadAll } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connectionFromKubeconfig } from '../../shared/engine/cluster-connection.js';
import { readKubeconfig } from '../../shared/engine/kubeconfig.js';
import { ResourceManager, type ResourceManagerOptions } from '../../shared/engine/resource-manager.js';
import type { DesiredObject } from '../../shared/engine/prepare.js';
import type { KubeObject } from '../../shared/domain/kube-object.js';
import { kubectl, testbed, uniqueName } from './testbed.js';

export async function testbedResourceManager(
  opts: Partial<ResourceManagerOptions> = {},
): Promise<ResourceManager> {
  return new ResourceManager(
    await connectionFromKubeconfig(readKubeconfig(testbed().kubeconfig), 'testbed'),
    opts,
  );
}

/** Loads a YAML fixture from test/fixtures/engine, with `$NS` replaced by the test's namespace. */
export function fixtureObjects(name: string, ns: string, vars: Record<string, string> = {}): DesiredObject[] {
  let text = readFileSync(
    fileURLToPath(new URL(`../fixtures/engine/${name}`, import.meta.url)),
    'utf8',
  ).replaceAll('$NS', ns);
  for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`$${k}`, v);
  return (loadAll(text) as KubeObject[])
    .filter(Boolean)
    .map((object, i) => ({ object, source: `${name}#${i + 1}` }));
}

export function toYaml(objects: KubeObject[]): string {
  return objects.map((o) => dump(o)).join('---\n');
}

/**
 * A fresh namespace and an engine for one test file: created before its tests, removed after.
 * `rm` is read inside tests (it exists once beforeAll has run).
 */
export function engineNamespace(prefix: string): { ns: string; readonly rm: ResourceManager } {
  const ns = uniqueName(prefix);
  let rm: ResourceManager | undefined;
  beforeAll(async () => {
    rm = await testbedResourceManager();
    await kubectl(['create', 'namespace', ns]);
  });
  afterAll(async () => {
    rm?.close();
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  });
  return {
    ns,
    get rm() {
      if (!rm) throw new Error('the engine exists only inside tests (after beforeAll)');
      return rm;
    },
  };
}
