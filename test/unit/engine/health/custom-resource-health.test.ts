import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('custom resource health', () => {
  test('a resource whose Ready condition is True is Healthy with the condition message', () => {
    expect(assessHealth(fixture('kustomization-ready'))).toEqual({
      status: 'Healthy',
      message: 'Applied revision: main@sha1:4f2c9a1e7b3d5f6a8c0e2b4d6f8a1c3e5b7d9f0a',
    });
  });

  test('a resource whose Ready condition is False is Degraded with the condition message', () => {
    expect(assessHealth(fixture('helmrelease-install-failed'))).toEqual({
      status: 'Degraded',
      message:
        'Helm install failed for release shop/redis with chart redis@19.6.4: context deadline exceeded',
    });
  });

  test('a resource whose Ready condition is False for a reason that means "not yet" is Progressing', () => {
    expect(assessHealth(fixture('kustomization-dependency-not-ready'))).toEqual({
      status: 'Progressing',
      message: "dependency 'flux-system/infra' is not ready",
    });
  });

  test('a resource whose Ready condition is Unknown is Progressing', () => {
    expect(assessHealth(fixture('certificate-ready-unknown'))).toEqual({
      status: 'Progressing',
      message: 'Issuing certificate as Secret does not exist',
    });
  });

  test('a reconciling resource is Progressing with the Reconciling message', () => {
    expect(assessHealth(fixture('kustomization-reconciling'))).toEqual({
      status: 'Progressing',
      message:
        'Fetching manifests for revision main@sha1:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b with a timeout of 1m0s',
    });
  });

  test('a stalled resource is Degraded with the Stalled message', () => {
    expect(assessHealth(fixture('kustomization-stalled'))).toEqual({
      status: 'Degraded',
      message:
        'kustomize build failed: accumulating resources: open /tmp/deploy/shop/missing.yaml: no such file or directory',
    });
  });

  test('a resource whose new generation its controller has not observed is Progressing, whatever it was before', () => {
    expect(assessHealth(fixture('kustomization-generation-not-observed'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for generation 5 to be observed (at 4)',
    });
  });

  test('a resource whose Ready condition describes an older generation is Progressing', () => {
    expect(assessHealth(fixture('certificate-ready-condition-stale'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for Ready to reflect generation 2',
    });
  });

  test('a resource without Ready is judged by its Available condition', () => {
    expect(assessHealth(fixture('operator-cluster-available'))).toEqual({
      status: 'Healthy',
      message: '3 of 3 instances are ready',
    });
    expect(assessHealth(fixture('operator-cluster-unavailable'))).toEqual({
      status: 'Degraded',
      message: 'no primary could be elected',
    });
  });

  test('a resource still being created is Progressing, named by the reason when there is no message', () => {
    expect(assessHealth(fixture('operator-cluster-creating'))).toEqual({
      status: 'Progressing',
      message: 'Creating',
    });
  });

  test('a resource with conditions but neither Ready nor Available is Healthy', () => {
    expect(assessHealth(fixture('operator-cluster-other-conditions'))).toEqual({ status: 'Healthy' });
  });

  test('a resource that only reports an up-to-date observed generation is Healthy', () => {
    expect(assessHealth(fixture('operator-cluster-observed-generation-only'))).toEqual({ status: 'Healthy' });
  });

  test('a resource whose status has neither conditions nor an observed generation has no health', () => {
    expect(assessHealth(fixture('operator-cluster-phase-only'))).toBeUndefined();
  });

  test('a resource without status has no health', () => {
    expect(assessHealth(fixture('widget-without-status'))).toBeUndefined();
  });

  test('a kind named like a built-in one in another group is judged as a custom resource', () => {
    expect(assessHealth(fixture('knative-service-revision-failed'))).toEqual({
      status: 'Degraded',
      message:
        'Revision "checkout-00002" failed with message: Unable to fetch image "registry.example.com/checkout:2.0".',
    });
  });
});
