import { eksToken } from '../../../../shared/adapters/aws/eks-token.js';

describe('eksToken', () => {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: 'session-token',
  };

  test('encodes a presigned GetCallerIdentity URL that signs the cluster name header, as aws eks get-token does', async () => {
    const token = await eksToken('prod-eks', 'eu-west-1', credentials, new Date('2026-11-27T10:00:00Z'));
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261127T100000Z');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261127/eu-west-1/sts/aws4_request');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session-token');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // The secret key itself never travels in the token.
    expect(url.toString()).not.toContain(credentials.secretAccessKey);
  });

  test('signs differently for another cluster, so a token cannot be replayed against it', async () => {
    const at = new Date('2026-11-27T10:00:00Z');
    const a = await eksToken('prod-eks', 'eu-west-1', credentials, at);
    const b = await eksToken('staging-eks', 'eu-west-1', credentials, at);
    const sig = (t: string) =>
      new URL(Buffer.from(t.slice(11), 'base64url').toString()).searchParams.get('X-Amz-Signature');
    expect(sig(a)).not.toBe(sig(b));
  });
});
