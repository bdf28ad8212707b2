// Who calls the API. The Function URL uses AWS_IAM auth, so Lambda has verified the SigV4
// signature and put the caller in requestContext.authorizer.iam; an event without it did not come
// through the Function URL (a direct Invoke, a test event) and is refused.

/** The part of a Function URL event that names the caller. */
export interface IamAuthorizerContext {
  accountId?: string;
  userArn?: string;
  userId?: string;
  principalOrgId?: string | null;
}

export interface ApiCaller {
  arn: string;
  accountId: string;
}

export function callerOf(event: {
  requestContext?: { authorizer?: { iam?: IamAuthorizerContext } };
}): ApiCaller | undefined {
  const iam = event.requestContext?.authorizer?.iam;
  if (!iam || typeof iam.userArn !== 'string' || typeof iam.accountId !== 'string') return undefined;
  if (!/^arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+$/.test(iam.userArn)) return undefined;
  return { arn: iam.userArn, accountId: iam.accountId };
}

/**
 * Whether `caller` is on the allow-list: an exact ARN; a role ARN (`…:iam::<acct>:role/[path/]Name`),
 * which its sessions (`…:sts::<acct>:assumed-role/Name/<session>`) match; or `…:iam::<acct>:root`,
 * which every principal of that account matches. An empty list allows every caller IAM let through.
 */
export function callerAllowed(caller: ApiCaller, allowList: readonly string[]): boolean {
  if (allowList.length === 0) return true;
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(caller.arn);
  return allowList.some((allowed) => {
    if (allowed === caller.arn) return true;
    const root = /^arn:(aws[a-z-]*):iam::(\d{12}):root$/.exec(allowed);
    if (root) return caller.arn.startsWith(`arn:${root[1]}:`) && caller.accountId === root[2];
    const role = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(allowed);
    return !!(role && session && role[1] === session[1] && role[2] === session[2] && role[3] === session[3]);
  });
}

/** The allow-list from the environment (comma-separated ARNs). */
export function allowListOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
