// An EKS-style token authenticator for a test bed kube-apiserver: a TokenReview webhook
// (`--authentication-token-webhook-config-file`) that accepts `k8s-aws-v1.` tokens the way EKS's
// aws-iam-authenticator does: the token is a presigned STS GetCallerIdentity URL whose signed
// `x-k8s-aws-id` header names this cluster; STS answers with the caller's ARN, which is mapped to a
// Kubernetes user and groups (EKS access entries).
//
// moto plays STS, with two gaps this server fills: moto checks no signatures (so this server
// checks the SigV4 signature itself, against the test credentials it is given — what STS would do),
// and moto cannot route a presigned GET (it answers as S3) nor read the key from X-Amz-Credential
// (so the same signed request is sent to it with the signature in an Authorization header).
import { SignatureV4 } from '@smithy/signature-v4';
import { timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Sha256 } from '../../shared/adapters/aws/eks-token.js';

export interface EksTokenReviewOptions {
  /** The EKS cluster name a token must be signed for (its `x-k8s-aws-id`). */
  clusterName: string;
  /** moto's endpoint, asked GetCallerIdentity with the token's signed request. */
  stsEndpoint: string;
  /** Access key id → secret key: the keys whose signatures this "STS" can check. */
  keys: Record<string, string>;
  /** Caller ARN → Kubernetes identity (an access entry); any other ARN is refused. */
  identities: Record<string, { username: string; groups: string[] }>;
  /** Serving certificate and key (PEM files) and the CA that signed them. */
  tls: { cert: string; key: string; ca: string };
  /** How long after X-Amz-Date a token is accepted (EKS: 15 minutes). */
  maxAgeMs?: number;
  /**
   * Tokens signed before this time (epoch ms, whole seconds as X-Amz-Date has them) are refused as
   * expired: a test's way to expire the tokens already handed out. Read at each review.
   */
  signedAfter?: number;
  /**
   * Plain bearer tokens accepted as they are (a kubeconfig cluster's token in a secret store), with
   * their identities; a test rotates one by changing the map while the server runs.
   */
  bearerTokens?: Map<string, { username: string; groups: string[] }>;
  now?: () => number;
}

export interface EksTokenReview {
  /** The kubeconfig-format file for `--authentication-token-webhook-config-file`. */
  configFile: string;
  /** Why each refused token was refused, newest last (never the token itself). */
  refusals: string[];
  /** The caller ARN of each accepted token, newest last. */
  accepted: string[];
  close(): Promise<void>;
}

const prefix = 'k8s-aws-v1.';
const stsHost = /^sts(\.[a-z]{2}(-[a-z]+)+-\d)?\.amazonaws\.com$/;

class Refused extends Error {}

/** The ARN behind a token, or Refused saying why. */
export async function callerOfToken(token: string, opts: EksTokenReviewOptions): Promise<string> {
  if (!token.startsWith(prefix) || token.length > 4096) throw new Refused('not a k8s-aws-v1 token');
  const url = new URL(Buffer.from(token.slice(prefix.length), 'base64url').toString('utf8'));
  if (
    url.protocol !== 'https:' ||
    !stsHost.test(url.host) ||
    url.pathname !== '/' ||
    url.username ||
    url.hash
  )
    throw new Refused(`not an STS URL: ${url.protocol}//${url.host}${url.pathname}`);
  const q = url.searchParams;
  const one = (name: string) => {
    const all = q.getAll(name);
    if (all.length !== 1) throw new Refused(`${name} must appear once`);
    return all[0]!;
  };
  if (one('Action') !== 'GetCallerIdentity' || one('Version') !== '2011-06-15')
    throw new Refused('not a GetCallerIdentity call');
  if (one('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw new Refused('not SigV4');
  const expires = Number(one('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > 900)
    throw new Refused(`X-Amz-Expires ${one('X-Amz-Expires')} is not 1..900`);
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(one('X-Amz-Date'));
  if (!date) throw new Refused('X-Amz-Date is malformed');
  const signedAt = Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!);
  const now = (opts.now ?? Date.now)();
  if (now > signedAt + (opts.maxAgeMs ?? 15 * 60_000) || signedAt < (opts.signedAfter ?? 0))
    throw new Refused('the token has expired');
  if (signedAt > now + 5 * 60_000) throw new Refused('the token is dated in the future');
  const signedHeaders = one('X-Amz-SignedHeaders').split(';');
  if (!signedHeaders.includes('x-k8s-aws-id') || !signedHeaders.includes('host'))
    throw new Refused('x-k8s-aws-id is not a signed header');
  const [accessKeyId, scopeDate, region, service, terminator] = one('X-Amz-Credential').split('/');
  if (service !== 'sts' || terminator !== 'aws4_request' || scopeDate !== one('X-Amz-Date').slice(0, 8))
    throw new Refused('the credential scope is not STS');
  const secret = opts.keys[accessKeyId ?? ''];
  if (!secret) throw new Refused('unknown access key');

  // STS's check: the signature over this cluster's name. A token for another cluster fails here.
  const signer = new SignatureV4({
    service: 'sts',
    region: region!,
    credentials: {
      accessKeyId: accessKeyId!,
      secretAccessKey: secret,
      sessionToken: q.get('X-Amz-Security-Token') ?? undefined,
    },
    sha256: Sha256,
  });
  const resigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: url.host,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: url.host, 'x-k8s-aws-id': opts.clusterName },
    },
    { expiresIn: expires, signingDate: new Date(signedAt) },
  );
  const want = Buffer.from(String(resigned.query?.['X-Amz-Signature'] ?? ''));
  const got = Buffer.from(one('X-Amz-Signature'));
  if (want.length !== got.length || !timingSafeEqual(want, got))
    throw new Refused(`the signature does not match a token for cluster ${opts.clusterName}`);

  return await getCallerIdentity(opts.stsEndpoint, url, q);
}

/** GetCallerIdentity on moto with the token's signature moved into an Authorization header. */
function getCallerIdentity(endpoint: string, url: URL, q: URLSearchParams): Promise<string> {
  const ep = new URL(endpoint);
  const auth = `AWS4-HMAC-SHA256 Credential=${q.get('X-Amz-Credential')}, SignedHeaders=${q.get('X-Amz-SignedHeaders')}, Signature=${q.get('X-Amz-Signature')}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: ep.hostname,
        port: ep.port,
        method: 'GET',
        path: '/?Action=GetCallerIdentity&Version=2011-06-15',
        headers: { host: url.host, authorization: auth, 'x-amz-date': q.get('X-Amz-Date')! },
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          const arn = /<Arn>([^<]+)<\/Arn>/.exec(body)?.[1];
          if (res.statusCode === 200 && arn) resolve(arn);
          else reject(new Refused(`STS answered ${res.statusCode}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Refused('STS did not answer')));
    req.on('error', reject);
    req.end();
  });
}

/** Starts the webhook on 127.0.0.1 and writes its config file into dir. */
export async function startEksTokenReview(dir: string, opts: EksTokenReviewOptions): Promise<EksTokenReview> {
  const refusals: string[] = [];
  const accepted: string[] = [];
  const answer = (status: object) =>
    JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status });
  const server: Server = createServer(
    { cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) },
    (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
        if (body.length > 64 * 1024) req.destroy();
      });
      req.on('end', () => {
        void (async () => {
          let status: object;
          try {
            const review = JSON.parse(body) as { spec?: { token?: unknown } };
            const token = review.spec?.token;
            if (typeof token !== 'string') throw new Refused('no token');
            const plain = token.startsWith(prefix) ? undefined : opts.bearerTokens;
            if (plain && !plain.has(token)) throw new Refused('an unknown bearer token');
            const arn = plain ? `bearer:${plain.get(token)!.username}` : await callerOfToken(token, opts);
            const identity = plain ? plain.get(token) : opts.identities[arn];
            if (!identity) throw new Refused(`${arn} has no access entry`);
            accepted.push(arn);
            status = {
              authenticated: true,
              user: {
                username: identity.username,
                uid: `aws-iam-authenticator:${arn}`,
                groups: identity.groups,
                extra: { arn: [arn] },
              },
            };
          } catch (err) {
            const why = err instanceof Refused ? err.message : `error: ${(err as Error).message}`;
            refusals.push(why);
            status = { authenticated: false, error: why };
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(answer(status));
        })();
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const configFile = join(dir, 'eks-token-review.kubeconfig');
  writeFileSync(
    configFile,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'eks-token-review',
          cluster: { server: `https://127.0.0.1:${port}/`, 'certificate-authority': opts.tls.ca },
        },
      ],
      users: [{ name: 'kube-apiserver', user: {} }],
      contexts: [{ name: 'webhook', context: { cluster: 'eks-token-review', user: 'kube-apiserver' } }],
      'current-context': 'webhook',
    }),
  );
  return {
    configFile,
    refusals,
    accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
