import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('pod health', () => {
  test('a running pod whose Ready condition is True is Healthy', () => {
    expect(assessHealth(fixture('pod-running-ready'))).toEqual({ status: 'Healthy' });
  });

  test('a running pod without conditions is Healthy when all its containers are ready', () => {
    expect(assessHealth(fixture('pod-running-without-conditions'))).toEqual({ status: 'Healthy' });
  });

  test('a running pod that is not ready yet is Progressing', () => {
    expect(assessHealth(fixture('pod-running-not-ready'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for containers to be ready',
    });
  });

  test('a running pod that is not ready after a container died is Degraded', () => {
    expect(assessHealth(fixture('pod-running-restarted-not-ready'))).toEqual({
      status: 'Degraded',
      message: 'container "web" is not ready after terminating with OOMKilled',
    });
  });

  test('a pod in CrashLoopBackOff is Degraded with the waiting message', () => {
    expect(assessHealth(fixture('pod-crash-loop-backoff'))).toEqual({
      status: 'Degraded',
      message:
        'back-off 2m40s restarting failed container=web pod=web-6d8f7c9b5-4xk2p_shop(0b6c1f3e-4a1d-4b8e-9f6a-2c3d4e5f6a7b)',
    });
  });

  test('a pending pod in ImagePullBackOff is Degraded with the waiting message', () => {
    expect(assessHealth(fixture('pod-image-pull-backoff'))).toEqual({
      status: 'Degraded',
      message: 'Back-off pulling image "nginx:does-not-exist"',
    });
  });

  test('a pod in ErrImagePull without a message is Degraded and names the container', () => {
    expect(assessHealth(fixture('pod-err-image-pull'))).toEqual({
      status: 'Degraded',
      message: 'container "web": ErrImagePull',
    });
  });

  test('a pod whose init container is in CrashLoopBackOff is Degraded', () => {
    expect(assessHealth(fixture('pod-init-container-crash-loop'))).toEqual({
      status: 'Degraded',
      message:
        'back-off 40s restarting failed container=migrate pod=web-6d8f7c9b5-4xk2p_shop(0b6c1f3e-4a1d-4b8e-9f6a-2c3d4e5f6a7b)',
    });
  });

  test('a hook pod that never restarts stays Progressing while its image cannot be pulled', () => {
    expect(assessHealth(fixture('pod-hook-image-pull-backoff'))).toEqual({ status: 'Progressing' });
  });

  test('a running pod that never restarts is Progressing until it finishes, even when ready', () => {
    expect(assessHealth(fixture('pod-running-restart-never'))).toEqual({ status: 'Progressing' });
  });

  test('a pending pod that cannot be scheduled is Progressing with the scheduler message', () => {
    expect(assessHealth(fixture('pod-pending-unschedulable'))).toEqual({
      status: 'Progressing',
      message:
        '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    });
  });

  test('a pod that succeeded is Healthy', () => {
    expect(assessHealth(fixture('pod-succeeded'))).toEqual({ status: 'Healthy' });
  });

  test('a failed pod is Degraded with the message of the pod status', () => {
    expect(assessHealth(fixture('pod-failed-evicted'))).toEqual({
      status: 'Degraded',
      message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91712Ki.',
    });
  });

  test('a failed pod is Degraded with the termination message of its container', () => {
    expect(assessHealth(fixture('pod-failed-termination-message'))).toEqual({
      status: 'Degraded',
      message: 'migration 0042_add_orders failed: relation "orders" already exists',
    });
  });

  test('a failed pod whose container was OOMKilled is Degraded with OOMKilled', () => {
    expect(assessHealth(fixture('pod-failed-oom-killed'))).toEqual({
      status: 'Degraded',
      message: 'OOMKilled',
    });
  });

  test('a failed pod is Degraded with the exit code of the container that failed', () => {
    expect(assessHealth(fixture('pod-failed-exit-code'))).toEqual({
      status: 'Degraded',
      message: 'container "migrate" failed with exit code 3',
    });
  });

  test('a pod in phase Unknown is Unknown with the message of the pod status', () => {
    expect(assessHealth(fixture('pod-unknown-phase'))).toEqual({
      status: 'Unknown',
      message: 'Node node-2 which was running pod web-6d8f7c9b5-4xk2p is unresponsive',
    });
  });
});
