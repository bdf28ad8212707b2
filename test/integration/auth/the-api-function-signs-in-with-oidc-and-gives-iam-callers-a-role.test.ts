// The API Lambda handler (functions/api) as deployed on AWS with sign-in: its settings from the
// environment and Secrets Manager (moto), the state in DynamoDB (moto), a real OpenID provider.
// Browsers and the CLI reach it without IAM credentials on the sign-in Function URL (here: a
// loopback server turning requests into Function URL events); SigV4 callers (events carrying
// Lambda's IAM authorizer context) have the configured role. The policy is the RBAC tests' own
// (test/fixtures/auth/policy.csv) plus one line binding the `ci` IAM role, kept in a secret.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStateTable } from '../../../shared/adapters/aws/dynamodb-table.js';
import { sessionCookie } from '../../../shared/auth/session.js';
import { Browser } from '../../support/browser.js';
import { startOpenIdProvider, type OpenIdProvider } from '../../support/openid-provider.js';
import { application, policyCsv } from '../../support/signed-in-gitferry.js';
import { awsClientConfig, testbed, uniqueName } from '../../support/testbed.js';

type Handler = (
  event: unknown,
  context?: unknown,
) => Promise<{
  statusCode: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}>;

const account = '123456789012';
const iam = (role: string, session: string) => ({
  accountId: account,
  userArn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
});

describe('the API function signs in with OIDC and gives IAM callers a role', () => {
  const names = { table: uniqueName('gitferry-api-auth'), prefix: uniqueName('gitferry-auth') };
  const secretNames = [`${names.prefix}/session`, `${names.prefix}/client`, `${names.prefix}/policy`];
  const sm = new SecretsManagerClient(awsClientConfig());
  const sqs = new SQSClient(awsClientConfig());
  const ddb = new DynamoDBClient(awsClientConfig());
  const saved = { ...process.env };
  let queueUrl = '';
  let server: Server;
  let url = '';
  let op: OpenIdProvider;
  let handler: Handler;
  const now = () => Math.floor(Date.now() / 1000);

  /** A Function URL (payload 2.0) event, as Lambda builds it; `authorizer` only for SigV4 callers. */
  function event(
    method: string,
    path: string,
    opts: { headers?: Record<string, string>; body?: string; authorizer?: unknown } = {},
  ) {
    const [rawPath, rawQueryString = ''] = path.split('?');
    const headers = { ...(opts.headers ?? {}) };
    const cookies = headers.cookie ? headers.cookie.split(/;\s*/) : undefined;
    delete headers.cookie;
    return {
      version: '2.0',
      rawPath,
      rawQueryString,
      headers: { host: new URL(url).host, ...headers },
      ...(cookies ? { cookies } : {}),
      requestContext: {
        domainName: new URL(url).host,
        http: { method, path: rawPath, sourceIp: '127.0.0.1' },
        ...(opts.authorizer ? { authorizer: opts.authorizer } : {}),
      },
      body: opts.body === undefined ? undefined : Buffer.from(opts.body).toString('base64'),
      isBase64Encoded: opts.body !== undefined,
    };
  }

  async function call(method: string, path: string, opts: Parameters<typeof event>[2] = {}) {
    const res = await handler(event(method, path, opts), { awsRequestId: 'test' });
    const text = res.isBase64Encoded ? Buffer.from(res.body ?? '', 'base64').toString() : (res.body ?? '');
    return { status: res.statusCode, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  const jwt = (sub: string, groups: string[]) =>
    op.sign({
      sub,
      aud: 'gitferry-cli',
      groups,
      iat: now(),
      exp: now() + 600,
      jti: randomBytes(8).toString('hex'),
    });

  beforeAll(async () => {
    // The sign-in Function URL: a loopback server handing each request to the handler as an event.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const body = chunks.length ? Buffer.concat(chunks).toString() : undefined;
        handler(event(req.method!, req.url!, { headers, body }), { awsRequestId: 'web' })
          .then((out) => {
            const h: Record<string, string | string[]> = { ...(out.headers ?? {}) };
            if (out.cookies?.length) h['set-cookie'] = out.cookies;
            res.writeHead(out.statusCode, h);
            res.end(out.isBase64Encoded ? Buffer.from(out.body ?? '', 'base64') : (out.body ?? ''));
          })
          .catch((err: Error) => {
            res.writeHead(500);
            res.end(err.message);
          });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    op = await startOpenIdProvider({ redirectUri: `${url}/auth/callback` });

    await createStateTable(ddb, names.table);
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('gitferry-api-auth') })))
      .QueueUrl!;
    const put = (Name: string, SecretString: string) =>
      sm.send(new CreateSecretCommand({ Name, SecretString }));
    await put(secretNames[0]!, JSON.stringify({ sessionKey: randomBytes(32).toString('base64url') }));
    await put(secretNames[1]!, 'gitferry-secret-for-tests-only');
    await put(secretNames[2]!, `${policyCsv}\ng, arn:aws:iam::${account}:role/ci, role:ops\n`);

    Object.assign(process.env, {
      AWS_ENDPOINT_URL: testbed().awsEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      GITFERRY_TABLE: names.table,
      GITFERRY_QUEUE_URL: queueUrl,
      GITFERRY_OIDC_ISSUER: op.issuer,
      GITFERRY_OIDC_CLIENT_ID: 'gitferry',
      GITFERRY_OIDC_CLIENT_SECRET: secretNames[1],
      GITFERRY_OIDC_CLI_CLIENT_ID: 'gitferry-cli',
      GITFERRY_SESSION_SECRET: secretNames[0],
      GITFERRY_PUBLIC_URL: url,
      GITFERRY_RBAC_POLICY_SECRET: secretNames[2],
      GITFERRY_IAM_ROLE: 'role:readonly',
      GITFERRY_AUDIT_RETENTION_DAYS: '30',
    });
    ({ handler } = (await import('../../../functions/api/handler.js')) as unknown as { handler: Handler });

    // The ci role (bound to role:ops by the policy secret) creates the apps.
    for (const [name, project] of [
      ['web', 'team-a'],
      ['pay', 'team-b'],
    ] as const) {
      const res = await call('POST', '/api/v1/apps', {
        authorizer: { iam: iam('ci', 'build-1') },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(application(name, project)),
      });
      if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(res.json)}`);
    }
  }, 300_000);

  afterAll(async () => {
    process.env = saved;
    await op?.stop();
    await new Promise<void>((r) => server?.close(() => r()));
    await ddb.send(new DeleteTableCommand({ TableName: names.table })).catch(() => undefined);
    if (queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    for (const SecretId of secretNames)
      await sm
        .send(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true }))
        .catch(() => undefined);
    for (const c of [sm, sqs, ddb]) c.destroy();
  });

  test('without a credential, or with a SigV4 header that Lambda did not verify, the API answers 401', async () => {
    expect((await call('GET', '/api/v1/apps')).status).toBe(401);
    const forged = await call('POST', '/api/v1/apps/pay/sync', {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/20261201/us-east-1/lambda/aws4_request' },
    });
    expect(forged.status).toBe(401);
  });

  test('bearer JWTs of the issuer reach RBAC: alice (team-a) syncs web and not pay', async () => {
    expect((await call('POST', '/api/v1/apps/web/sync', bearer(await jwt('alice', ['team-a'])))).status).toBe(
      202,
    );
    const denied = await call('POST', '/api/v1/apps/pay/sync', bearer(await jwt('alice', ['team-a'])));
    expect(denied.status).toBe(403);
    expect(denied.json.detail).toBe('permission denied: applications, sync, team-b/pay (alice)');
    const other = await op.sign({
      sub: 'alice',
      aud: 'gitferry-cli',
      groups: ['ops'],
      exp: now() + 600,
      iss: 'https://evil.example.com',
    });
    expect((await call('POST', '/api/v1/apps/pay/sync', bearer(other))).status).toBe(401);
  });

  test('IAM callers have the configured role (readonly), and a role the policy binds has its own', async () => {
    const eve = { authorizer: { iam: iam('dev', 'eve') } };
    expect((await call('GET', '/api/v1/apps', eve)).status).toBe(200);
    const denied = await call('POST', '/api/v1/apps/web/sync', eve);
    expect(denied.status).toBe(403);
    expect(denied.json.detail).toBe(
      `permission denied: applications, sync, team-a/web (arn:aws:sts::${account}:assumed-role/dev/eve)`,
    );
    expect(
      (await call('POST', '/api/v1/apps/pay/sync', { authorizer: { iam: iam('ci', 'build-2') } })).status,
    ).toBe(202);
    // ops may not delete apps in prod, and may not delete clusters at all.
    expect(
      (await call('DELETE', '/api/v1/clusters/prod', { authorizer: { iam: iam('ci', 'build-2') } })).status,
    ).toBe(403);
  });

  test('a browser signs in on the sign-in URL, syncs what its groups allow, and its cookie is refused after sign-out', async () => {
    const browser = new Browser();
    const end = await browser.signIn(`${url}/auth/login`, 'bob', op.issuer);
    expect(end.url).toBe(`${url}/`);
    const cookie = browser.cookiesFor(url).get(sessionCookie)!;
    expect(cookie).toBeTruthy();
    expect((await browser.request(`${url}/api/v1/apps/pay/sync`, { method: 'POST' })).status).toBe(202);

    await browser.request(`${url}/auth/logout`, { method: 'POST' });
    const replayed = await call('GET', '/api/v1/apps', { headers: { cookie: `${sessionCookie}=${cookie}` } });
    expect(replayed.status).toBe(401);
    expect(replayed.json.detail).toBe('the session was signed out');
  });

  test('the audit trail in DynamoDB names each caller and keeps entries for the retention setting', async () => {
    const { json } = await call('GET', '/api/v1/audit?limit=200', {
      authorizer: { iam: iam('ci', 'audit') },
    });
    const items = json.items as {
      subject: string;
      method: string;
      result: string;
      at: number;
      expiresAt?: number;
      source?: string;
    }[];
    const seen = (subject: string, result: string) =>
      items.some((e) => e.subject === subject && e.result === result);
    expect(seen('alice', 'allowed')).toBe(true);
    expect(seen('alice', 'denied')).toBe(true);
    expect(seen(`arn:aws:sts::${account}:assumed-role/dev/eve`, 'denied')).toBe(true);
    expect(seen('bob', 'allowed')).toBe(true);
    expect(seen('anonymous', 'unauthenticated')).toBe(true);
    for (const e of items) {
      expect(e.expiresAt).toBe(e.at + 30 * 86_400_000);
      expect(e.source).toBe('127.0.0.1');
    }
  });
});
