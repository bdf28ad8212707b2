import { kubectl, eventually, uniqueName } from '../../support/testbed.js';

describe('the test bed apiserver', () => {
  const group = `${uniqueName('smoke')}.gitferry.dev`;
  const crdName = `widgets.${group}`;
  afterAll(() => kubectl(['delete', 'crd', crdName, '--wait=false']));

  test('establishes a CRD and then serves custom resources of it', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    };
    await kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(crd));
    await eventually('CRD Established', async () => {
      const got = JSON.parse(await kubectl(['get', 'crd', crdName, '-o', 'json'])) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    });

    const widget = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'default' },
      spec: { size: 3 },
    };
    await kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(widget));
    const got = JSON.parse(
      await kubectl(['get', `widgets.${group}`, '-n', 'default', 'w1', '-o', 'json']),
    ) as { spec: { size: number } };
    expect(got.spec.size).toBe(3);
  });
});
