// The EKS path end to end: an EKS cluster registered in moto (CreateCluster), a sync through
// EksClusterConnector (DescribeCluster, a presigned STS token) to a private kube-apiserver that
// authenticates `k8s-aws-v1.` tokens as EKS does, through a TokenReview webhook asking moto's STS
// who signed (test/testbed/eks-token-review.ts). moto's DescribeCluster answers a made-up
// endpoint and CA: the connector's `resolveEndpoint` option points the described cluster at the
// private apiserver. Private, because the shared bed's apiserver has no token webhook and
// restarting it would break every other test running.
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EksClusterConnector } from '../../../shared/adapters/aws/eks-cluster-connector.js';
import { eksToken } from '../../../shared/adapters/aws/eks-token.js';
import { ClusterConnectorRouter } from '../../../shared/adapters/cluster/cluster-connector-router.js';
import type { App, Cluster } from '../../../shared/domain/app.js';
import { TestRepo } from '../../support/git.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { motoCall } from '../../support/moto-cloudformation.js';
import { awsClientConfig, uniqueName } from '../../support/testbed.js';
import { createClusterCerts } from '../../testbed/certs.js';
import { startEtcd, type EtcdHandle } from '../../testbed/components/etcd.js';
import { startKubeApiserver, type KubeApiserver } from '../../testbed/components/kube.js';
import { startEksTokenReview, type EksTokenReview } from '../../testbed/eks-token-review.js';
import { kubeRequest } from '../../testbed/kube-request.js';
import { stopProcess } from '../../testbed/supervisor.js';

const aws = awsClientConfig();
const eksName = uniqueName('eks');
const ns = uniqueName('eks-app');

/** An IAM user with an access key, made in moto: its ARN and key. */
async function iamUser(name: string) {
  await motoCall(aws.endpoint, 'iam', {
    form: { Action: 'CreateUser', UserName: name, Version: '2010-05-08' },
  });
  const xml = await motoCall(aws.endpoint, 'iam', {
    form: { Action: 'CreateAccessKey', UserName: name, Version: '2010-05-08' },
  });
  const field = (f: string) => new RegExp(`<${f}>([^<]+)</${f}>`).exec(xml)![1]!;
  return {
    arn: `arn:aws:iam::123456789012:user/${name}`,
    credentials: { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey') },
  };
}

describe('an EKS cluster registered in moto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-eks-'));
  let etcd: EtcdHandle;
  let apiserver: KubeApiserver;
  let review: EksTokenReview;
  let lc: LocalControl;
  let repo: TestRepo;
  let deployer: Awaited<ReturnType<typeof iamUser>>;
  let stranger: Awaited<ReturnType<typeof iamUser>>;
  const described: string[] = [];
  const cluster: Cluster = { name: 'prod-eks', type: 'eks', region: aws.region, eksClusterName: eksName };

  /** The deployer's token with its decoded URL rewritten. */
  async function rewritten(edit: (url: string) => string) {
    const token = await eksToken(eksName, aws.region, deployer.credentials);
    const url = edit(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());
    return `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;
  }

  /** POST a SelfSubjectReview to the private apiserver with a bearer token: status and identity. */
  async function whoAmI(token: string) {
    const res = await kubeRequest(
      { ...apiserver.access, token },
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    );
    const user =
      res.status === 201 ? (JSON.parse(res.body) as { status: { userInfo: object } }).status.userInfo : {};
    return { status: res.status, user };
  }

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
    deployer = await iamUser(uniqueName('gitferry-deployer'));
    stranger = await iamUser(uniqueName('stranger'));

    mkdirSync(join(dir, 'webhook'));
    const certs = createClusterCerts(join(dir, 'webhook'));
    review = await startEksTokenReview(dir, {
      clusterName: eksName,
      stsEndpoint: aws.endpoint,
      keys: {
        [deployer.credentials.accessKeyId]: deployer.credentials.secretAccessKey,
        [stranger.credentials.accessKeyId]: stranger.credentials.secretAccessKey,
      },
      identities: { [deployer.arn]: { username: 'gitferry-deployer', groups: ['gitferry-deployers'] } },
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert },
    });
    etcd = await startEtcd(dir, dir);
    mkdirSync(join(dir, 'kube'));
    apiserver = await startKubeApiserver(join(dir, 'kube'), etcd.clientUrl, {
      extraArgs: [
        `--authentication-token-webhook-config-file=${review.configFile}`,
        '--authentication-token-webhook-version=v1',
        // Every token is asked again: a refused token must not hide behind a cached answer.
        '--authentication-token-webhook-cache-ttl=0s',
      ],
    });
    // The access entry's group may do anything (the EKS cluster-admin policy).
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
    const connector = new EksClusterConnector({
      clientConfig: () => ({ endpoint: aws.endpoint, region: aws.region, credentials: deployer.credentials }),
      resolveEndpoint: (_c, d) => (described.push(d.endpoint), { server: apiserver.access.server, caData }),
    });
    lc = startLocalControl({ cluster, connector: new ClusterConnectorRouter({ eks: connector }) });
    repo = await TestRepo.create('eks');
  }, 180_000);

  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    await review?.close();
    if (apiserver) await stopProcess(apiserver.process);
    if (etcd) await stopProcess(etcd.process);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a sync deploys through DescribeCluster, the presigned token and the webhook authenticator', async () => {
    const sha = await repo.commit({
      'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: from-eks }\ndata: { v: "1" }\n',
    });
    const app: App = {
      name: uniqueName('eks-app'),
      project: 'default',
      sources: [{ repoURL: repo.url, path: 'app', targetRevision: 'main' }],
      destination: { name: cluster.name, namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    };
    await lc.store.putApp(app);
    await lc.store.requestSync(app.name, { reason: 'webhook', revision: sha, requestedAt: Date.now() });
    const outcomes = await lc.runChain({
      app: app.name,
      reason: 'webhook',
      revision: sha,
      requestedAt: Date.now(),
    });
    expect(outcomes.at(-1)).toBe('finished');
    const status = await lc.store.getStatus(app.name);
    expect([status?.sync.status, status?.health.status]).toEqual(['Synced', 'Healthy']);

    // On the private apiserver, written by gitferry's field manager.
    const cm = await kubeRequest(apiserver.access, 'GET', `/api/v1/namespaces/${ns}/configmaps/from-eks`);
    expect(cm.status).toBe(200);
    const managers = (
      JSON.parse(cm.body) as { metadata: { managedFields: { manager: string }[] } }
    ).metadata.managedFields.map((f) => f.manager);
    expect(managers).toContain('gitferry');
    // DescribeCluster was asked (moto's made-up endpoint), and no token was refused on the way.
    expect(described.length).toBeGreaterThan(0);
    expect(described[0]).toMatch(/^https:\/\//);
    expect(described[0]).not.toBe(apiserver.access.server);
    expect(review.refusals).toEqual([]);
    // Every request of the sync was authenticated by the webhook as the deployer.
    expect(review.accepted.length).toBeGreaterThan(0);
    expect(new Set(review.accepted)).toEqual(new Set([deployer.arn]));
  });

  test("the connector's token is the mapped IAM identity, as the apiserver sees it", async () => {
    const token = await eksToken(eksName, aws.region, deployer.credentials);
    expect(await whoAmI(token)).toEqual({
      status: 201,
      user: expect.objectContaining({
        username: 'gitferry-deployer',
        groups: expect.arrayContaining(['gitferry-deployers', 'system:authenticated']),
        extra: { arn: [deployer.arn] },
      }),
    });
  });

  test.each([
    [
      'signed for another cluster',
      () => eksToken(uniqueName('other'), aws.region, deployer.credentials),
      `the signature does not match a token for cluster ${eksName}`,
    ],
    [
      'signed 16 minutes ago',
      () => eksToken(eksName, aws.region, deployer.credentials, new Date(Date.now() - 16 * 60_000)),
      'the token has expired',
    ],
    [
      'of an identity with no access entry',
      () => eksToken(eksName, aws.region, stranger.credentials),
      'has no access entry',
    ],
    [
      'signed with a key STS does not know',
      () => eksToken(eksName, aws.region, { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }),
      'unknown access key',
    ],
    [
      'whose signature was tampered with',
      () =>
        rewritten((url) =>
          url.replace(
            /X-Amz-Signature=([0-9a-f])/,
            (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
          ),
        ),
      'the signature does not match',
    ],
    [
      'pointing at a host other than STS',
      () =>
        rewritten((url) => url.replace('https://sts.us-east-1.amazonaws.com/', 'https://evil.example.com/')),
      'not an STS URL',
    ],
    [
      'asking STS for another action',
      () => rewritten((url) => url.replace('Action=GetCallerIdentity', 'Action=AssumeRole')),
      'not a GetCallerIdentity call',
    ],
  ])('a token %s is refused with 401', async (_what, token, why) => {
    const before = review.refusals.length;
    expect((await whoAmI(await token())).status).toBe(401);
    expect(review.refusals.slice(before).join('\n')).toContain(why);
  });
});
