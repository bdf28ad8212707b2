import { functionUrlRegion, sigV4Headers } from '../../../cli/sigv4.js';

describe('the CLI against a Gitferry deployed on AWS', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('recognises a Lambda Function URL and its region, and nothing else', () => {
    expect(functionUrlRegion('https://abc123.lambda-url.eu-west-1.on.aws/')).toBe('eu-west-1');
    expect(functionUrlRegion('http://127.0.0.1:8080')).toBeUndefined();
    expect(functionUrlRegion('https://gitferry.example.com')).toBeUndefined();
  });

  test('signs for the lambda service in the URL region with the caller credentials, covering the body', async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret-example-key',
      AWS_SESSION_TOKEN: 'session-example',
    });
    delete process.env.AWS_PROFILE;
    const url = 'https://abc123.lambda-url.eu-west-1.on.aws/api/v1/apps/web/sync?x=1';
    const a = await sigV4Headers(
      url,
      'POST',
      '{"prune":true}',
      { 'content-type': 'application/json' },
      'eu-west-1',
    );
    expect(a.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[^,]*content-type[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(a['x-amz-security-token']).toBe('session-example');
    expect(JSON.stringify(a)).not.toContain('secret-example-key');
    const b = await sigV4Headers(
      url,
      'POST',
      '{"prune":false}',
      { 'content-type': 'application/json' },
      'eu-west-1',
    );
    expect(b.authorization!.slice(-64)).not.toBe(a.authorization!.slice(-64));
  });
});
