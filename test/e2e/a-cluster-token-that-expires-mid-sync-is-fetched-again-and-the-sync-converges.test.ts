// A cluster whose credentials stop working mid-sync, on a PRIVATE kube-apiserver that
// authenticates through a TokenReview webhook (test/testbed/eks-token-review.ts), so a test can
// expire or rotate tokens while the apiserver runs:
// - an EKS cluster (moto's DescribeCluster, presigned STS tokens): every token handed out so far
//   expires after the first object is applied, while the connector still holds it in its cache;
// - a kubeconfig cluster whose token is rotated in Secrets Manager (the old one revoked) while the
//   store still caches the old value;
// - the same token revoked and not replaced: the sync fails naming the cluster, and converges
//   once a working token is stored.
// In every case the 401 makes the worker fetch the credentials again once and resend: the app
// converges on the newest revision, history holds one run, the pruned object is deleted once,
// nothing is left locked or in progress, and the status says what happened.
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EksClusterConnector } from '../../shared/adapters/aws/eks-cluster-connector.js';
import { SecretsManagerSecretStore } from '../../shared/adapters/aws/secrets-manager-secret-store.js';
import { ClusterConnectorRouter } from '../../shared/adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../../shared/adapters/cluster/token-cluster-connector.js';
import { openDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite-state-store.js';
import { WakeUpHandler, type WakeUpOutcome } from '../../shared/control/wake-up.js';
import type { SyncJob } from '../../shared/domain/sync-job.js';
import { KubeClient, type KubeRequest } from '../../shared/engine/kube-client.js';
import { silentLogger } from '../../shared/ports/logger.js';
import { TestRepo } from '../support/git.js';
import { motoCall } from '../support/moto-cloudformation.js';
import { sourceKit, testbedGuard, type SourceKit } from '../support/source.js';
import { awsClientConfig, uniqueName } from '../support/testbed.js';
import { createClusterCerts } from '../testbed/certs.js';
import { startEtcd, type EtcdHandle } from '../testbed/components/etcd.js';
import { startKubeApiserver, type KubeApiserver } from '../testbed/components/kube.js';
import {
  startEksTokenReview,
  type EksTokenReview,
  type EksTokenReviewOptions,
} from '../testbed/eks-token-review.js';
import { kubeRequest } from '../testbed/kube-request.js';
import { stopProcess } from '../testbed/supervisor.js';

const aws = awsClientConfig();
const eksName = uniqueName('eks-expiring');
const deployers = { username: 'gitferry-deployer', groups: ['gitferry-deployers'] };

const configMap = (name: string, value: string, wave: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, annotations: { argocd.argoproj.io/sync-wave: "${wave}" } }\ndata: { value: "${value}" }\n`;
// v1: a, b, c, d in waves 0..3. v2: every value changes, b is gone (pruned in its wave, 1).
const v1 = Object.fromEntries(['a', 'b', 'c', 'd'].map((n, w) => [`app/${n}.yaml`, configMap(n, '1', w)]));
const v2 = Object.fromEntries(
  ['a', 'c', 'd'].map((n) => [`app/${n}.yaml`, configMap(n, '2', 'abcd'.indexOf(n))]),
);

interface Written {
  method: string;
  path: string;
  status: number;
}

describe('a cluster whose token stops working mid-sync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-expiring-'));
  const db = openDatabase(join(dir, 'gitferry.db'));
  const store = new SqliteStateStore(db);
  const secretsClient = new SecretsManagerClient(aws);
  const secretPrefix = `${uniqueName('expiring')}/`;
  let etcd: EtcdHandle;
  let apiserver: KubeApiserver;
  let review: EksTokenReview;
  let reviewOpts: EksTokenReviewOptions;
  const bearerTokens = new Map<string, typeof deployers>();
  let kit: SourceKit;
  let handler: WakeUpHandler;
  let eksConnector: EksClusterConnector;
  const sent: SyncJob[] = [];
  const written: Written[] = [];
  /** Runs (and is awaited) after the cluster carried out a write: where a test breaks the credentials. */
  let afterWrite: ((req: KubeRequest) => Promise<void>) | undefined;
  const original = KubeClient.prototype.request;

  beforeAll(async () => {
    const eks = new EKSClient(aws);
    await eks.send(
      new CreateClusterCommand({
        name: eksName,
        roleArn: 'arn:aws:iam::123456789012:role/eks',
        resourcesVpcConfig: { subnetIds: ['subnet-0123456789abcdef0'] },
      }),
    );
    eks.destroy();
    const user = uniqueName('deployer');
    await motoCall(aws.endpoint, 'iam', {
      form: { Action: 'CreateUser', UserName: user, Version: '2010-05-08' },
    });
    const xml = await motoCall(aws.endpoint, 'iam', {
      form: { Action: 'CreateAccessKey', UserName: user, Version: '2010-05-08' },
    });
    const field = (f: string) => new RegExp(`<${f}>([^<]+)</${f}>`).exec(xml)![1]!;
    const credentials = { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey') };

    mkdirSync(join(dir, 'webhook'));
    const certs = createClusterCerts(join(dir, 'webhook'));
    reviewOpts = {
      clusterName: eksName,
      stsEndpoint: aws.endpoint,
      keys: { [credentials.accessKeyId]: credentials.secretAccessKey },
      identities: { [`arn:aws:iam::123456789012:user/${user}`]: deployers },
      bearerTokens,
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert },
    };
    review = await startEksTokenReview(dir, reviewOpts);
    etcd = await startEtcd(dir, dir);
    mkdirSync(join(dir, 'kube'));
    apiserver = await startKubeApiserver(join(dir, 'kube'), etcd.clientUrl, {
      extraArgs: [
        `--authentication-token-webhook-config-file=${review.configFile}`,
        '--authentication-token-webhook-version=v1',
        // Every request is reviewed: an expired token must not pass on a cached answer.
        '--authentication-token-webhook-cache-ttl=0s',
      ],
    });
    const binding = await kubeRequest(
      apiserver.access,
      'POST',
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'gitferry-deployers' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'gitferry-deployers' }],
      },
    );
    expect(binding.status).toBe(201);

    const caData = readFileSync(apiserver.certs.caCert).toString('base64');
    await store.putCluster({ name: 'eks', type: 'eks', region: aws.region, eksClusterName: eksName });
    await store.putCluster({
      name: 'tokened',
      type: 'kubeconfig',
      server: apiserver.access.server,
      caData,
      tokenSecret: 'clusters/tokened/token',
    });
    await store.putCluster({
      name: 'revoked',
      type: 'kubeconfig',
      server: apiserver.access.server,
      caData,
      tokenSecret: 'clusters/revoked/token',
    });
    KubeClient.prototype.request = async function (this: KubeClient, req: KubeRequest) {
      let status = -1;
      try {
        const res = await original.call(this, req);
        status = res.status;
        return res;
      } catch (err) {
        status = (err as { httpStatus?: number }).httpStatus ?? -1;
        throw err;
      } finally {
        if (req.method !== 'GET' && !req.query?.dryRun) {
          written.push({ method: req.method, path: req.path, status });
          if (status >= 200 && status < 300) await afterWrite?.(req);
        }
      }
    } as typeof original;
    kit = sourceKit();
    eksConnector = new EksClusterConnector({
      clientConfig: () => ({ endpoint: aws.endpoint, region: aws.region, credentials }),
      resolveEndpoint: () => ({ server: apiserver.access.server, caData }),
    });
    handler = new WakeUpHandler({
      store,
      queue: { send: async (job) => void sent.push(job) },
      connector: new ClusterConnectorRouter({
        eks: eksConnector,
        kubeconfig: new TokenClusterConnector(
          // Secrets Manager's adapter caches values for minutes: a rotated token is refused first.
          new SecretsManagerSecretStore(secretsClient, { prefix: secretPrefix }),
          { secretPrefix: 'clusters/', server: { guard: testbedGuard } },
        ),
      }),
      renderer: kit.renderer,
      credentials: async () => undefined,
      clock: { now: Date.now },
      log: silentLogger,
      holder: 'worker',
      options: { guard: testbedGuard, leaseTtlMs: 60_000, backoffSeconds: [0] },
    });
  }, 300_000);

  afterAll(async () => {
    KubeClient.prototype.request = original;
    kit?.dispose();
    db.close();
    secretsClient.destroy();
    await review?.close();
    if (apiserver) await stopProcess(apiserver.process);
    if (etcd) await stopProcess(etcd.process);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The wake-up chain of one job (retries included), as the queue would hand it over. */
  async function chain(first: SyncJob): Promise<WakeUpOutcome[]> {
    const outcomes: WakeUpOutcome[] = [];
    let job: SyncJob | undefined = first;
    for (let i = 0; job && i < 30; i++) {
      const before = sent.length;
      outcomes.push(await handler.handle(job));
      job = sent.slice(before).find((j) => j.app === first.app && j.reason !== 'health');
    }
    return outcomes;
  }

  async function deployed(cluster: string, retry?: { limit: number }) {
    const repo = await TestRepo.create('expiring');
    const app = uniqueName('expiring');
    const ns = uniqueName('e2e-expiring');
    await store.putApp({
      name: app,
      project: 'default',
      sources: [{ repoURL: repo.url, path: 'app', targetRevision: 'main' }],
      destination: { name: cluster, namespace: ns },
      syncPolicy: {
        automated: { prune: true },
        syncOptions: ['CreateNamespace=true'],
        ...(retry ? { retry } : {}),
      },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    });
    const push = async (revision: string): Promise<SyncJob> => {
      const job: SyncJob = { app, reason: 'webhook', revision, requestedAt: Date.now() };
      await store.requestSync(app, { reason: 'webhook', revision, requestedAt: job.requestedAt });
      return job;
    };
    const first = await repo.commit(v1, 'v1');
    expect((await chain(await push(first))).at(-1)).toBe('finished');
    expect((await store.getStatus(app))?.sync).toMatchObject({ status: 'Synced', revision: first });
    await repo.git('rm', '-q', 'app/b.yaml');
    const second = await repo.commit(v2, 'v2');
    return { repo, app, ns, first, second, job: await push(second) };
  }

  /** The invariants every case ends with. */
  async function expectConverged(t: Awaited<ReturnType<typeof deployed>>) {
    const status = await store.getStatus(t.app);
    expect(status?.sync).toMatchObject({ status: 'Synced', revision: t.second });
    expect(status?.operation).toMatchObject({ phase: 'Succeeded', revision: t.second });
    expect(await store.getOperation(t.app)).toBeUndefined();
    const lease = await store.acquireLease(t.app, 'checker', 1_000, Date.now());
    expect(lease).toBeDefined();
    await store.releaseLease(lease!);
    expect((await store.listRuns(t.app, 10)).map((r) => [r.revision, r.phase])).toEqual([
      [t.second, 'Succeeded'],
      [t.first, 'Succeeded'],
    ]);
    const live = await kubeRequest(apiserver.access, 'GET', `/api/v1/namespaces/${t.ns}/configmaps`);
    // A pruned object is deleted in the foreground: without a controller-manager (its garbage
    // collector removes the finalizer) it stays with a deletion timestamp, which is deleted enough.
    const items = (
      JSON.parse(live.body) as {
        items: { metadata: { name: string; deletionTimestamp?: string }; data?: { value?: string } }[];
      }
    ).items.filter((i) => !i.metadata.deletionTimestamp);
    expect(
      Object.fromEntries(
        items.filter((i) => i.metadata.name.length === 1).map((i) => [i.metadata.name, i.data?.value]),
      ),
    ).toEqual({ a: '2', c: '2', d: '2' });
    // b was deleted once: a refused DELETE (401) was not carried out, and was sent again once.
    const deletes = written.filter((w) => w.method === 'DELETE' && w.path.includes(`/namespaces/${t.ns}/`));
    expect(deletes.filter((w) => w.status >= 200 && w.status < 300).map((w) => w.path)).toEqual([
      `/api/v1/namespaces/${t.ns}/configmaps/b`,
    ]);
  }

  /** The token the EKS connector would send now (its cached one while valid). */
  async function eksTokenInUse(): Promise<string> {
    const connection = await eksConnector.connect({
      name: 'eks',
      type: 'eks',
      region: aws.region,
      eksClusterName: eksName,
    });
    return (await connection.authorization())!.replace(/^Bearer /, '');
  }

  /**
   * Waits until the apiserver refuses `token`: it keeps a token's successful authentication for
   * 10 s (kube-apiserver's TokenSuccessCacheTTL, not a flag), so a revoked token works that long.
   */
  async function untilRefused(token: string): Promise<void> {
    for (let i = 0; i < 60; i++) {
      const res = await kubeRequest({ ...apiserver.access, token }, 'GET', '/api/v1/namespaces?limit=1');
      if (res.status === 401) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error('the apiserver kept accepting a revoked token for 30 s');
  }

  /** After the first object of v2 is applied, runs `fn` once. */
  function onceAfterFirstApply(ns: string, fn: () => Promise<void>): () => boolean {
    let done = false;
    afterWrite = async (req) => {
      if (done || req.method !== 'PATCH' || !req.path.startsWith(`/api/v1/namespaces/${ns}/configmaps/`))
        return;
      done = true;
      await fn();
    };
    return () => done;
  }

  test('an EKS token expiring mid-sync is signed again and the sync converges', async () => {
    const t = await deployed('eks');
    try {
      const cached = await eksTokenInUse();
      const expired = onceAfterFirstApply(t.ns, async () => {
        // Every token signed so far expires (X-Amz-Date has whole seconds: wait for the next one).
        const cutoff = Math.floor(Date.now() / 1000) * 1000 + 1000;
        await new Promise((r) => setTimeout(r, cutoff - Date.now()));
        reviewOpts.signedAfter = cutoff;
        await untilRefused(cached);
      });
      const outcomes = await chain(t.job);
      afterWrite = undefined;
      expect({ expired: expired(), last: outcomes.at(-1) }).toEqual({ expired: true, last: 'finished' });
      // The rest of the sync ran on a token signed after the expiry, while the old one was still
      // in the connector's cache (it is kept 14 minutes).
      expect(await eksTokenInUse()).not.toBe(cached);
      expect(written.filter((w) => w.path.includes(`/${t.ns}/`)).some((w) => w.status === 401)).toBe(false);
      await expectConverged(t);
    } finally {
      afterWrite = undefined;
      t.repo.dispose();
    }
  }, 180_000);

  test('a kubeconfig token rotated in the secret store mid-sync is read again and the sync converges', async () => {
    const name = `${secretPrefix}clusters/tokened/token`;
    const old = `old-${uniqueName('token')}`;
    bearerTokens.set(old, deployers);
    await secretsClient.send(new CreateSecretCommand({ Name: name, SecretString: old }));
    const t = await deployed('tokened');
    try {
      const rotated = onceAfterFirstApply(t.ns, async () => {
        const fresh = `new-${uniqueName('token')}`;
        await secretsClient.send(new PutSecretValueCommand({ SecretId: name, SecretString: fresh }));
        bearerTokens.delete(old);
        bearerTokens.set(fresh, deployers);
        await untilRefused(old);
      });
      const outcomes = await chain(t.job);
      afterWrite = undefined;
      // The store still caches the old value (5 minutes): the rest of the sync ran on a fresh read.
      expect({ rotated: rotated(), last: outcomes.at(-1) }).toEqual({ rotated: true, last: 'finished' });
      await expectConverged(t);
    } finally {
      afterWrite = undefined;
      t.repo.dispose();
    }
  }, 180_000);

  test('a token revoked and not replaced fails the sync naming the cluster; a new token makes it converge', async () => {
    const name = `${secretPrefix}clusters/revoked/token`;
    const current = `current-${uniqueName('token')}`;
    await secretsClient.send(new CreateSecretCommand({ Name: name, SecretString: current }));
    bearerTokens.set(current, deployers);
    const t = await deployed('revoked', { limit: 2 });
    try {
      const revoked = onceAfterFirstApply(t.ns, async () => {
        bearerTokens.delete(current);
        await untilRefused(current);
      });
      const first = await handler.handle(t.job);
      afterWrite = undefined;
      expect({ revoked: revoked(), first }).toEqual({ revoked: true, first: 'finished' });
      // Failed, saying which cluster refused which credentials, and nothing left locked.
      const status = await store.getStatus(t.app);
      expect(status?.operation).toMatchObject({ phase: 'Failed', revision: t.second });
      expect(status?.operation?.message).toMatch(
        /cluster revoked refused the credentials \(401 Unauthorized\) also after they were fetched again/,
      );
      expect(JSON.stringify(status)).not.toContain(current);
      const held = await store.acquireLease(t.app, 'checker', 1_000, Date.now());
      expect(held).toBeDefined();
      await store.releaseLease(held!);

      // A working token is stored; the retry (due after the failure) converges.
      const replacement = `replacement-${uniqueName('token')}`;
      bearerTokens.set(replacement, deployers);
      await secretsClient.send(new PutSecretValueCommand({ SecretId: name, SecretString: replacement }));
      const retry = sent.filter((j) => j.app === t.app && j.reason === 'retry').at(-1);
      expect(retry).toBeDefined();
      expect((await chain(retry!)).at(-1)).toBe('finished');
      await expectConverged(t);
    } finally {
      afterWrite = undefined;
      t.repo.dispose();
    }
  }, 180_000);
});
