import { allowListOf, callerAllowed, callerOf } from '../../../functions/api/caller-identity.js';
import { handler } from '../../../functions/api/handler.js';

const session = (role: string, account = '123456789012') => ({
  arn: `arn:aws:sts::${account}:assumed-role/${role}/alice`,
  accountId: account,
});

describe('the API caller', () => {
  test('comes from the Function URL IAM authorizer context, and only from a well-formed one', () => {
    const iam = { accountId: '123456789012', userArn: 'arn:aws:iam::123456789012:user/bob' };
    expect(callerOf({ requestContext: { authorizer: { iam } } })).toEqual({
      arn: 'arn:aws:iam::123456789012:user/bob',
      accountId: '123456789012',
    });
    expect(callerOf({})).toBeUndefined();
    expect(callerOf({ requestContext: {} })).toBeUndefined();
    for (const userArn of ['', 'bob', 'arn:aws:iam::123:user/bob', 'arn:aws:iam::123456789012:user/bob evil'])
      expect(callerOf({ requestContext: { authorizer: { iam: { ...iam, userArn } } } })).toBeUndefined();
  });

  test('an empty allow-list lets every IAM-verified caller in', () => {
    expect(callerAllowed(session('anyone'), [])).toBe(true);
  });

  test('a role on the list admits its sessions (whatever its path), nothing with a similar name or another account', () => {
    const list = allowListOf(' arn:aws:iam::123456789012:role/platform/gitferry-admin , ');
    expect(list).toEqual(['arn:aws:iam::123456789012:role/platform/gitferry-admin']);
    expect(callerAllowed(session('gitferry-admin'), list)).toBe(true);
    expect(callerAllowed(session('gitferry-admin-2'), list)).toBe(false);
    expect(callerAllowed(session('gitferry'), list)).toBe(false);
    expect(callerAllowed(session('gitferry-admin', '210987654321'), list)).toBe(false);
    expect(
      callerAllowed(
        { arn: 'arn:aws:iam::123456789012:user/gitferry-admin', accountId: '123456789012' },
        list,
      ),
    ).toBe(false);
  });

  test('an exact user ARN, or an account root for the whole account', () => {
    const bob = { arn: 'arn:aws:iam::123456789012:user/bob', accountId: '123456789012' };
    expect(callerAllowed(bob, ['arn:aws:iam::123456789012:user/bob'])).toBe(true);
    expect(callerAllowed(bob, ['arn:aws:iam::123456789012:user/bo'])).toBe(false);
    expect(callerAllowed(bob, ['arn:aws:iam::123456789012:root'])).toBe(true);
    expect(callerAllowed(session('x', '210987654321'), ['arn:aws:iam::123456789012:root'])).toBe(false);
  });
});

describe('the API handler', () => {
  const event = (authorizer?: unknown) => ({
    version: '2.0',
    rawPath: '/api/v1/apps',
    rawQueryString: '',
    headers: {},
    requestContext: { http: { method: 'GET', path: '/api/v1/apps' }, ...(authorizer ? { authorizer } : {}) },
    isBase64Encoded: false,
  });

  // Neither call reaches the store: the refusals come first (no AWS settings exist in this test).
  test('refuses a direct invoke without the Function URL IAM context', async () => {
    const res = (await handler(event() as never)) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body).detail).toMatch(/Function URL requests signed with SigV4/);
  });

  test('refuses a caller not on the allow-list, naming it', async () => {
    process.env.GITFERRY_API_ALLOWED_PRINCIPALS = 'arn:aws:iam::123456789012:role/gitferry-admin';
    try {
      const res = (await handler(
        event({
          iam: { accountId: '123456789012', userArn: 'arn:aws:sts::123456789012:assumed-role/dev/eve' },
        }) as never,
      )) as { statusCode: number; body: string };
      expect(res.statusCode).toBe(403);
      expect(JSON.parse(res.body).detail).toBe(
        'arn:aws:sts::123456789012:assumed-role/dev/eve is not allowed to use this Gitferry API',
      );
    } finally {
      delete process.env.GITFERRY_API_ALLOWED_PRINCIPALS;
    }
  });
});
