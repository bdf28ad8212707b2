import { slimObject } from '../../../../shared/engine/live-state.js';
import { ownedFingerprint } from '../../../../shared/engine/fingerprint.js';
import { assessHealthWith } from '../../../../shared/engine/health.js';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';

// Reads of many apps at once keep each object slim: Gitferry's own apply entry of managedFields
// (what the drift check's fingerprints compare) and everything health reads, without the other
// managers' entries or kubectl's second copy of the object.
const deployment = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
    generation: 3,
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': '{"a":"' + 'x'.repeat(5000) + '"}',
      'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/web',
    },
    managedFields: [
      { manager: 'gitferry', operation: 'Apply', apiVersion: 'apps/v1', fieldsV1: { 'f:spec': {} } },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        subresource: 'status',
        fieldsV1: { 'f:status': {} },
      },
      { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
    ],
  },
  spec: { replicas: 2 },
  status: {
    observedGeneration: 3,
    replicas: 2,
    updatedReplicas: 2,
    availableReplicas: 2,
    conditions: [{ type: 'Available', status: 'True' }],
  },
});

describe('a slim object', () => {
  test('keeps the fingerprint, the health and the tracking annotation, and drops the rest', async () => {
    const full = deployment();
    const slim = slimObject(full);
    expect(ownedFingerprint(slim)).toBe(ownedFingerprint(full));
    expect(await assessHealthWith(undefined, slim)).toEqual(await assessHealthWith(undefined, full));
    expect(slim.metadata.managedFields).toEqual([(full.metadata.managedFields as unknown[])[0]]);
    expect(slim.metadata.annotations).toEqual({
      'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/web',
    });
    expect(JSON.stringify(slim).length).toBeLessThan(JSON.stringify(full).length / 5);
    // The object read is left as it was.
    expect(full.metadata.managedFields).toHaveLength(3);
    expect(Object.keys(full.metadata.annotations!)).toHaveLength(2);
  });

  test('an object nobody applied with Gitferry keeps no managedFields (and so no fingerprint)', () => {
    const obj = deployment();
    obj.metadata.managedFields = (obj.metadata.managedFields as unknown[]).slice(1);
    delete obj.metadata.annotations;
    const slim = slimObject(obj);
    expect(slim.metadata.managedFields).toBeUndefined();
    expect(slim.metadata.annotations).toBeUndefined();
    expect(ownedFingerprint(slim)).toBeUndefined();
  });
});
