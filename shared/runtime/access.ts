// Who may do what, per installation: the one seam where the local flags (`gitferry serve
// --rbac-policy FILE --oidc-issuer URL …`) and the AWS configuration become the API's access
// control. Nothing configured keeps the behaviour from before RBAC: the admin token (local) or
// IAM (AWS) is an admin.
import { readFileSync } from 'node:fs';
import { Authenticator, type BearerCheck, type SessionCheck } from '../auth/authenticate.js';
import { Rbac } from '../auth/rbac.js';
import type { AccessControl } from '../api/authorize.js';
import type { Logger } from '../ports/logger.js';

export interface AccessConfig {
  /** The local admin token; absent on AWS, where IAM authenticates. */
  adminToken?: string;
  /** A policy.csv file (Argo CD syntax) added to the built-in roles. */
  rbacPolicyFile?: string;
  /** Policy lines given inline (AWS configuration). */
  rbacPolicyCsv?: string;
  /** Argo CD's `policy.default`: the role every signed-in caller has, e.g. `role:readonly`. */
  defaultRole?: string;
  /** More bearer checks (OIDC JWTs, project tokens), tried after the admin token. */
  bearer?: BearerCheck[];
  session?: SessionCheck;
}

export async function buildAccess(config: AccessConfig, log: Logger): Promise<AccessControl> {
  const policyCsv = config.rbacPolicyFile
    ? readFileSync(config.rbacPolicyFile, 'utf8')
    : config.rbacPolicyCsv;
  const rbac = await Rbac.create({ policyCsv, defaultRole: config.defaultRole });
  for (const warning of rbac.policy.warnings) log.warn('rbac policy line skipped', { warning });
  const authenticator = new Authenticator({
    adminToken: config.adminToken,
    platformAuthenticated: config.adminToken === undefined,
    bearer: config.bearer,
    session: config.session,
  });
  return { authenticator, rbac: async () => rbac };
}
