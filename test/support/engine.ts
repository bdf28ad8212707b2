// Builds the engine against the test bed's cluster, and small helpers shared by engine tests.
import { KubeConfig } from '@kubernetes/client-node';
import { dump, loadAll } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connectionFromKubeConfig } from '../../shared/engine/cluster-connection.js';
import { ResourceManager, type ResourceManagerOptions } from '../../shared/engine/resource-manager.js';
import type { DesiredObject } from '../../shared/engine/prepare.js';
import type { KubeObject } from '../../shared/domain/kube-object.js';
import { testbed } from './testbed.js';

export async function testbedResourceManager(
  opts: Partial<ResourceManagerOptions> = {},
): Promise<ResourceManager> {
  const kc = new KubeConfig();
  kc.loadFromFile(testbed().kubeconfig);
  return new ResourceManager(await connectionFromKubeConfig(kc, 'testbed'), opts);
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
