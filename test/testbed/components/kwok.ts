import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { binPath, kwokStagesDir } from '../paths.js';
import { freePort } from '../free-port.js';
import { kubeRequest, type KubeAccess } from '../kube-request.js';
import { startProcess, waitReady, type ManagedProcess } from '../supervisor.js';

/** How long a fake node's Lease is valid; kwok renews it every quarter of that. */
export const nodeLeaseDurationSeconds = 40;

/** Pod annotations the test bed's own stages react to. */
export const testbedMarkers = {
  /** Pods never become Ready: their Deployment stays unavailable. */
  neverReady: 'gitferry.dev/testbed-never-ready',
  /** Job Pods exit 1 instead of completing. */
  fail: 'gitferry.dev/testbed-fail',
} as const;

const ownStagesDir = fileURLToPath(new URL('../stages/', import.meta.url));

interface StageDoc {
  metadata: { name: string };
  spec: { selector: { matchExpressions: { key: string; operator: string; values?: string[] }[] } };
}

function loadStage(file: string): StageDoc[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as StageDoc);
}

function withoutMarker(stage: StageDoc, annotation: string): StageDoc {
  stage.spec.selector.matchExpressions.push({
    key: `.metadata.annotations["${annotation}"]`,
    operator: 'DoesNotExist',
  });
  return stage;
}

/**
 * kwok's own "fast" stages, read from the kwok module (copied into the cache by build.sh), with our
 * markers excluded from pod-ready and pod-complete, plus our two stages.
 */
export function writeStages(file: string): void {
  const upstream = (p: string) => loadStage(join(kwokStagesDir, p));
  const stages = [
    ...upstream('node/fast/node-initialize.yaml'),
    ...upstream('node/heartbeat-with-lease/node-heartbeat-with-lease.yaml'),
    ...upstream('pod/fast/pod-ready.yaml').map((s) => withoutMarker(s, testbedMarkers.neverReady)),
    ...upstream('pod/fast/pod-complete.yaml').map((s) => withoutMarker(s, testbedMarkers.fail)),
    ...upstream('pod/fast/pod-delete.yaml'),
    ...loadStage(join(ownStagesDir, 'pod-never-ready.yaml')),
    ...loadStage(join(ownStagesDir, 'pod-job-fail.yaml')),
  ];
  writeFileSync(file, stages.map((s) => stringify(s)).join('---\n'));
}

function fakeNode(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        type: 'kwok',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    // No taint: workloads schedule onto fake nodes without tolerations.
    spec: {},
  };
}

export interface KwokHandle {
  process: ManagedProcess;
  nodes: string[];
}

/** Starts kwok managing every node, registers `nodeCount` fake nodes and waits until they are Ready. */
export async function startKwok(
  runDir: string,
  access: KubeAccess,
  kubeconfig: string,
  nodeCount = 2,
): Promise<KwokHandle> {
  const stagesFile = join(runDir, 'kwok-stages.yaml');
  writeStages(stagesFile);
  const serverPort = await freePort();
  const proc = startProcess({
    name: 'kwok',
    command: binPath('kwok'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--config=${stagesFile}`,
      '--manage-all-nodes=true',
      `--server-address=127.0.0.1:${serverPort}`,
      '--node-ip=10.0.1.1',
      '--cidr=10.0.2.0/24',
      // Node liveness through Leases in kube-node-lease, renewed every quarter of their duration
      // (10 s), as a kubelet keeps them: without this flag kwok keeps no Lease at all, and the
      // heartbeat-with-lease stage touches Node status only every 10–20 minutes, so the node
      // lifecycle controller's 50 s grace period ran out between heartbeats under load and
      // marked every node not-Ready (kwokctl passes 40 s too).
      `--node-lease-duration-seconds=${nodeLeaseDurationSeconds}`,
    ],
    logFile: join(runDir, 'kwok.log'),
  });
  const nodes = Array.from({ length: nodeCount }, (_, i) => `kwok-node-${i}`);
  for (const name of nodes) {
    const res = await kubeRequest(access, 'POST', '/api/v1/nodes', fakeNode(name));
    if (res.status !== 201 && res.status !== 409)
      throw new Error(`Node/${name} create failed: ${res.status} ${res.body}`);
  }
  await waitReady(proc, `${nodeCount} Ready nodes`, async () => {
    const res = await kubeRequest(access, 'GET', '/api/v1/nodes?labelSelector=type%3Dkwok');
    const list = JSON.parse(res.body) as {
      items: { status?: { conditions?: { type: string; status: string }[] } }[];
    };
    return (
      list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        .length >= nodeCount
    );
  });
  return { process: proc, nodes };
}
