import { resourcePolicyKeep } from '../../../../shared/engine/prune-filters.js';
import { keptOnAppDelete } from '../../../../shared/engine/annotations.js';
import { objectWith } from '../fixtures.js';
import { candidate, options } from './support.js';

const crd = (annotations: Record<string, string>) =>
  objectWith('CustomResourceDefinition', annotations, {
    apiVersion: 'apiextensions.k8s.io/v1',
    name: 'certificates.cert-manager.io',
    namespace: '',
  });

describe('helm.sh/resource-policy: keep', () => {
  test('holds the prune of a CRD marked keep, even when a person confirmed the prune', () => {
    const kept = candidate(crd({ 'helm.sh/resource-policy': 'keep' }));

    expect(resourcePolicyKeep.name).toBe('resource-policy-keep');
    expect(resourcePolicyKeep.hold(kept, options())).toBe('helm.sh/resource-policy: keep');
    expect(resourcePolicyKeep.hold(kept, options({ confirmPrune: true }))).toBe(
      'helm.sh/resource-policy: keep',
    );
  });

  test('reads the value as Helm does (keep, any case, spaces around); other values and no annotation let it through', () => {
    expect(resourcePolicyKeep.hold(candidate(crd({ 'helm.sh/resource-policy': ' Keep ' })), options())).toBe(
      'helm.sh/resource-policy: keep',
    );
    for (const value of ['delete', '', 'keep-me', 'never']) {
      expect(
        resourcePolicyKeep.hold(candidate(crd({ 'helm.sh/resource-policy': value })), options()),
      ).toBeUndefined();
    }
    expect(resourcePolicyKeep.hold(candidate(crd({})), options())).toBeUndefined();
  });

  test('is Delete=false on app delete, as Argo CD treats it since 2.8; Delete=false itself too', () => {
    expect(keptOnAppDelete(crd({ 'helm.sh/resource-policy': 'keep' }))).toBe('helm.sh/resource-policy: keep');
    expect(keptOnAppDelete(crd({ 'argocd.argoproj.io/sync-options': 'Delete=false' }))).toBe('Delete=false');
    expect(keptOnAppDelete(crd({ 'argocd.argoproj.io/sync-options': 'Prune=false' }))).toBeUndefined();
  });
});
