// Signs API requests for a Gitferry deployed on AWS: its API is a Lambda Function URL with IAM auth,
// so requests carry SigV4 for the `lambda` service, made with the caller's usual AWS credentials.
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../shared/adapters/aws/eks-token.js';

export { functionUrlRegion } from './function-url.js';

export async function sigV4Headers(
  url: string,
  method: string,
  body: string | undefined,
  headers: Record<string, string>,
  region: string,
): Promise<Record<string, string>> {
  const { STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({ region });
  const credentials = await sts.config.credentials();
  sts.destroy();
  const u = new URL(url);
  const signer = new SignatureV4({ service: 'lambda', region, credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method,
    protocol: u.protocol,
    hostname: u.hostname,
    path: u.pathname,
    query: Object.fromEntries(u.searchParams),
    headers: { ...headers, host: u.host },
    body,
  });
  return signed.headers as Record<string, string>;
}
