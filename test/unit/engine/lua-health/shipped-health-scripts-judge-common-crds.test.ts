import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { LuaHealthChecks } from '../../../../shared/engine/lua-health.js';
import { shippedHealthScripts } from '../../../../shared/engine/lua-health-shipped.js';

const objects = loadAll(
  readFileSync(
    fileURLToPath(new URL('../../../fixtures/lua-health/shipped-crds.yaml', import.meta.url)),
    'utf8',
  ),
) as KubeObject[];

describe('the shipped Lua health scripts', () => {
  const checks = new LuaHealthChecks(shippedHealthScripts);
  afterAll(() => checks.close());

  test.each(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))(
    '%s gets the health its status says',
    async (_name, object) => {
      const expected = object.metadata.annotations!['gitferry.test/expect'];
      const message = object.metadata.annotations!['gitferry.test/message'];
      const health = await checks.assess(object);
      expect(health?.status).toBe(expected);
      if (message) expect(health?.message).toContain(message);
    },
  );

  test('each shipped kind is covered by Healthy, Progressing and Degraded fixtures', () => {
    for (const script of shippedHealthScripts) {
      const seen = new Set(
        objects
          .filter((o) => `${o.apiVersion.split('/')[0]}_${o.kind}` === script.groupKind)
          .map((o) => o.metadata.annotations!['gitferry.test/expect']),
      );
      expect([...seen]).toEqual(expect.arrayContaining(['Healthy', 'Progressing', 'Degraded']));
    }
  });

  test('kinds without a script are left to the built-in checks', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'y' } };
    expect(await checks.assess(cm)).toBeUndefined();
  });
});
