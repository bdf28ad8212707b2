import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath } from '../paths.js';
import { freePort } from '../free-port.js';
import { createClusterCerts, type ClusterCerts } from '../certs.js';
import { kubeRequest, type KubeAccess } from '../kube-request.js';
import { startProcess, waitReady, type ManagedProcess } from '../supervisor.js';

export interface KubeControlPlane {
  processes: ManagedProcess[];
  access: KubeAccess;
  kubeconfig: string;
}

const adminToken = 'gitferry-testbed-admin-token';

function writeKubeconfig(file: string, access: KubeAccess): void {
  // JSON is valid YAML; kubectl, client-node and kwok all read it.
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'testbed', cluster: { server: access.server, 'certificate-authority': access.caFile } },
    ],
    users: [{ name: 'admin', user: { token: access.token } }],
    contexts: [{ name: 'testbed', context: { cluster: 'testbed', user: 'admin' } }],
    'current-context': 'testbed',
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
}

export interface KubeApiserver {
  process: ManagedProcess;
  access: KubeAccess;
  kubeconfig: string;
  certs: ClusterCerts;
}

/**
 * etcd must be running. Starts a kube-apiserver with its own certificates and admin token in
 * runDir; `extraArgs` add flags (a private apiserver with a token webhook, say).
 */
export async function startKubeApiserver(
  runDir: string,
  etcdUrl: string,
  opts: { extraArgs?: string[] } = {},
): Promise<KubeApiserver> {
  const certs = createClusterCerts(runDir);
  const tokenFile = join(runDir, 'tokens.csv');
  writeFileSync(tokenFile, `${adminToken},admin,admin-uid,"system:masters"\n`);
  const port = await freePort();
  const access: KubeAccess = { server: `https://127.0.0.1:${port}`, caFile: certs.caCert, token: adminToken };
  const kubeconfig = join(runDir, 'kubeconfig');
  writeKubeconfig(kubeconfig, access);

  const apiserver = startProcess({
    name: 'kube-apiserver',
    command: binPath('kube-apiserver'),
    args: [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${runDir}`,
      `--tls-cert-file=${certs.serverCert}`,
      `--tls-private-key-file=${certs.serverKey}`,
      `--client-ca-file=${certs.caCert}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${certs.serviceAccountKey}`,
      `--service-account-signing-key-file=${certs.serviceAccountKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--endpoint-reconciler-type=none',
      '--v=1',
      ...(opts.extraArgs ?? []),
    ],
    logFile: join(runDir, 'kube-apiserver.log'),
  });
  await waitReady(
    apiserver,
    '/readyz',
    async () => (await kubeRequest(access, 'GET', '/readyz')).status === 200,
    90_000,
  );
  return { process: apiserver, access, kubeconfig, certs };
}

/** etcd must be running. Starts kube-apiserver, then kube-controller-manager and kube-scheduler. */
export async function startKubeControlPlane(runDir: string, etcdUrl: string): Promise<KubeControlPlane> {
  const { process: apiserver, access, kubeconfig, certs } = await startKubeApiserver(runDir, etcdUrl);

  const kcmPort = await freePort();
  const controllerManager = startProcess({
    name: 'kube-controller-manager',
    command: binPath('kube-controller-manager'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      '--leader-elect=false',
      `--root-ca-file=${certs.caCert}`,
      `--service-account-private-key-file=${certs.serviceAccountKey}`,
      '--use-service-account-credentials=false',
      // Fake nodes never run a kubelet: don't evict their pods, and keep garbage collection on.
      '--controllers=*,-nodeipam,-cloud-node-lifecycle',
      // The default client budget (20 requests/s, burst 30) makes the controller-manager, not the
      // deployer, the bottleneck once hundreds of Deployments arrive at once: each Deployment takes
      // several writes (its ReplicaSet, their statuses) before it reports Available. Managed
      // control planes give it far more; so does the bed.
      '--kube-api-qps=200',
      '--kube-api-burst=400',
      '--v=1',
    ],
    logFile: join(runDir, 'kube-controller-manager.log'),
  });
  const schedulerPort = await freePort();
  const scheduler = startProcess({
    name: 'kube-scheduler',
    command: binPath('kube-scheduler'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedulerPort}`,
      '--leader-elect=false',
      '--v=1',
    ],
    logFile: join(runDir, 'kube-scheduler.log'),
  });
  const healthz = (p: number) => async () => {
    // Their own self-signed serving certs; /healthz is always allowed without auth.
    const res = await fetchInsecure(`https://127.0.0.1:${p}/healthz`);
    return res === 200;
  };
  await Promise.all([
    waitReady(controllerManager, '/healthz', healthz(kcmPort)),
    waitReady(scheduler, '/healthz', healthz(schedulerPort)),
  ]);
  return { processes: [apiserver, controllerManager, scheduler], access, kubeconfig };
}

async function fetchInsecure(url: string): Promise<number> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
