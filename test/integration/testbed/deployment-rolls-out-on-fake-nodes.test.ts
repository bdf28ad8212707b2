import { kubectl, eventually, uniqueName } from '../../support/testbed.js';
import { testbedMarkers } from '../../testbed/components/kwok.js';

interface DeploymentStatus {
  availableReplicas?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

function deployment(ns: string, name: string, podAnnotations: Record<string, string> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: podAnnotations },
        spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
      },
    },
  };
}

async function status(ns: string, name: string): Promise<DeploymentStatus> {
  return (
    JSON.parse(await kubectl(['get', 'deployment', '-n', ns, name, '-o', 'json'])) as {
      status: DeploymentStatus;
    }
  ).status;
}

const condition = (s: DeploymentStatus, type: string) => s.conditions?.find((c) => c.type === type);

describe('the test bed cluster', () => {
  const ns = uniqueName('smoke-deploy');
  beforeAll(() => kubectl(['create', 'namespace', ns]));
  afterAll(() => kubectl(['delete', 'namespace', ns, '--wait=false']));

  test('rolls a Deployment out on fake nodes until it is Available', async () => {
    await kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(deployment(ns, 'web')));
    const s = await eventually('Deployment web Available', async () => {
      const s = await status(ns, 'web');
      return condition(s, 'Available')?.status === 'True' && s.availableReplicas === 2 ? s : undefined;
    });
    expect(s.availableReplicas).toBe(2);
    const pods = JSON.parse(await kubectl(['get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'json'])) as {
      items: { spec: { nodeName?: string }; status: { phase: string } }[];
    };
    expect(pods.items.map((p) => p.status.phase)).toEqual(['Running', 'Running']);
    expect(pods.items.every((p) => p.spec.nodeName?.startsWith('kwok-node-'))).toBe(true);
  });

  test('keeps a Deployment with the never-ready marker unavailable and reports why', async () => {
    await kubectl(
      ['apply', '--server-side', '-f', '-'],
      JSON.stringify(deployment(ns, 'stuck', { [testbedMarkers.neverReady]: 'true' })),
    );
    const s = await eventually('Deployment stuck past its progress deadline', async () => {
      const s = await status(ns, 'stuck');
      return condition(s, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? s : undefined;
    });
    expect(condition(s, 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
    });
    expect(condition(s, 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    expect(s.availableReplicas ?? 0).toBe(0);
  });
});
