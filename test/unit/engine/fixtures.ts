// YAML fixtures for engine unit tests, from test/fixtures/unit-engine, templated by namespace.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import type { DesiredObject } from '../../../shared/engine/prepare.js';

/** The namespace fixtures are rendered into unless a test asks for another. */
export const testNamespace = 'team-a';

/**
 * The documents of test/fixtures/unit-engine/<name>, with `$NS` (and any other `$VAR` given)
 * replaced, each with its source as `<name>#<n>` the way renderers name them.
 */
export function fixtureObjects(name: string, vars: Record<string, string> = {}): DesiredObject[] {
  let text = readFileSync(
    fileURLToPath(new URL(`../../fixtures/unit-engine/${name}`, import.meta.url)),
    'utf8',
  );
  for (const [k, v] of Object.entries({ NS: testNamespace, ...vars })) text = text.replaceAll(`$${k}`, v);
  return (loadAll(text) as KubeObject[])
    .filter(Boolean)
    .map((object, i) => ({ object, source: `${name}#${i + 1}` }));
}

/** The fixture's objects only. */
export function fixtureKubeObjects(name: string, vars: Record<string, string> = {}): KubeObject[] {
  return fixtureObjects(name, vars).map((d) => d.object);
}

/** The one object of a single-document fixture. */
export function fixtureObject(name: string, vars: Record<string, string> = {}): KubeObject {
  const [only, ...rest] = fixtureKubeObjects(name, vars);
  if (!only || rest.length > 0) throw new Error(`${name}: expected exactly one document`);
  return only;
}

/** A minimal object for tests about metadata only. */
export function objectWith(
  kind: string,
  annotations: Record<string, string> = {},
  extra: { apiVersion?: string; name?: string; namespace?: string } = {},
): KubeObject {
  return {
    apiVersion: extra.apiVersion ?? 'v1',
    kind,
    metadata: {
      name: extra.name ?? 'web',
      ...(extra.namespace === '' ? {} : { namespace: extra.namespace ?? testNamespace }),
      annotations,
    },
  };
}
