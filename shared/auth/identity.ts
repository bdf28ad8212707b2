// Who is calling: the subject and groups RBAC decides on, and how they proved it.

/** How a caller authenticated. */
export type AuthMethod = 'admin-token' | 'iam' | 'oidc-bearer' | 'session' | 'project-token';

export interface Identity {
  /** The user (an OIDC `sub`, `admin` for the local token) or `proj:<project>:<role>` for a project token. */
  subject: string;
  /** Groups from the configured claim, and built-in roles for trusted callers. */
  groups: string[];
  method: AuthMethod;
  /** The id of the token used (a project token's id, an OIDC token's `jti`), for the audit trail. */
  tokenId?: string;
  /** Seconds since the epoch at which the credential stops being accepted. */
  expiresAt?: number;
  /** Seconds since the epoch at which the credential was issued (user revocations compare it). */
  issuedAt?: number;
  /** What sign-out revokes: a session cookie's id, a bearer JWT's `jti` or a hash of it. */
  sessionId?: string;
}

/** The local admin token and IAM callers: everything, as before RBAC existed. */
export function adminIdentity(method: 'admin-token' | 'iam', subject = 'admin'): Identity {
  return { subject, groups: ['role:admin'], method };
}

/**
 * Names an identity provider may not hand out: built-in and project roles are granted by the
 * policy, never claimed. A group named `role:admin` in an IdP would otherwise be admin.
 */
export function isReservedName(name: string): boolean {
  return name.startsWith('role:') || name.startsWith('proj:');
}

const maxGroups = 256;
const maxNameLength = 512;

/**
 * The groups of a token's claim as RBAC subjects: strings only, reserved names and anything with
 * a control character or a comma dropped, bounded in count and length.
 */
export function groupsFromClaim(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list
    .filter((g): g is string => typeof g === 'string')
    .filter(
      (g) =>
        g.length > 0 && g.length <= maxNameLength && !isReservedName(g) && !/[\u0000-\u001f\u007f,"]/.test(g),
    )
    .slice(0, maxGroups);
}

/**
 * The RBAC groups of a caller IAM verified: the configured role, and for an assumed-role session
 * its role's ARN (`arn:aws:iam::<acct>:role/<name>`), so a policy can bind a role, not a session:
 * `g, arn:aws:iam::123456789012:role/ci, role:deployer`.
 */
export function iamIdentity(arn: string, role: string): Identity {
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  const roleArn = session ? [`arn:${session[1]}:iam::${session[2]}:role/${session[3]}`] : [];
  return { subject: arn, groups: [role, ...roleArn], method: 'iam' };
}
