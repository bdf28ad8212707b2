// Who may do what, per installation: the one seam where the local flags (`gitferry serve
// --rbac-policy FILE --oidc-issuer URL …`) and the AWS configuration become the API's access
// control. Nothing configured keeps the behaviour from before RBAC: the admin token (local) or
// IAM (AWS) is an admin.
import { readFileSync } from 'node:fs';
import { Authenticator, type BearerCheck, type SessionCheck } from '../auth/authenticate.js';
import { projectRolesPolicy } from '../auth/project-roles.js';
import { projectTokenCheck } from '../auth/project-tokens.js';
import { SessionRevocations } from '../auth/revocation.js';
import { Rbac } from '../auth/rbac.js';
import type { AccessControl } from '../api/authorize.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';

export interface AccessConfig {
  /** The local admin token; absent on AWS, where IAM authenticates. */
  adminToken?: string;
  /** A policy.csv file (Argo CD syntax) added to the built-in roles. */
  rbacPolicyFile?: string;
  /** Policy lines given inline (AWS configuration). */
  rbacPolicyCsv?: string;
  /** Argo CD's `policy.default`: the role every signed-in caller has, e.g. `role:readonly`. */
  defaultRole?: string;
  /**
   * AWS: the role callers IAM verified (SigV4 on the Function URL) have, e.g. `role:admin` (the
   * default, as before sign-in existed) or `role:readonly`. Set, callers without SigV4 must sign in.
   */
  iamRole?: string;
  /** More bearer checks (OIDC JWTs, project tokens), tried after the admin token. */
  bearer?: BearerCheck[];
  session?: SessionCheck;
  /** Where project roles and tokens are read and the audit trail is written. */
  store?: StateStore;
  /**
   * Days audit entries are kept: each carries `expiresAt` (DynamoDB's TTL removes it; no store
   * lists it after then). @default 90
   */
  auditRetentionDays?: number;
  /**
   * Also delete expired entries from here, at most hourly (local mode). Off on AWS, where TTL does
   * it and a scan of the whole trail per container would cost reads. @default true
   */
  trimAudit?: boolean;
  /** The caller's address for the audit trail (the HTTP server's socket peer). */
  sourceOf?: AccessControl['sourceOf'];
  /** AWS: the IAM principal Lambda verified for a request (from the event), given `iamRole`. */
  iamCallerOf?: AccessControl['iamCallerOf'];
}

/** Unauthenticated (401) audit entries stored per process and minute; the rest are only logged. */
export const unauthenticatedAuditPerMinute = 60;

export async function buildAccess(config: AccessConfig, log: Logger): Promise<AccessControl> {
  const policyCsv = config.rbacPolicyFile
    ? readFileSync(config.rbacPolicyFile, 'utf8')
    : config.rbacPolicyCsv;
  const rbac = await Rbac.create({ policyCsv, defaultRole: config.defaultRole });
  for (const warning of rbac.policy.warnings) log.warn('rbac policy line skipped', { warning });
  const store = config.store;
  // Sign-out and an admin's revoke-sessions are records in the store the authenticator consults.
  const revocations = store ? new SessionRevocations(store) : undefined;
  const authenticator = new Authenticator({
    adminToken: config.adminToken,
    platformAuthenticated: config.adminToken === undefined && !config.iamRole,
    iamRole: config.iamRole,
    bearer: [...(store ? [projectTokenCheck(store)] : []), ...(config.bearer ?? [])],
    session: config.session,
    revocations,
  });
  if (!store) return { authenticator, rbac: async () => rbac, iamCallerOf: config.iamCallerOf };

  // Project roles join the installation's policy; rebuilt only when some project's roles change.
  let built: { key: string; rbac: Promise<Rbac> } = { key: '[]', rbac: Promise.resolve(rbac) };
  const withProjectRoles = async (): Promise<Rbac> => {
    const projects = (await store.listProjects()).filter((p) => (p.roles ?? []).length > 0);
    const key = JSON.stringify(projects.map((p) => [p.name, p.roles]));
    if (key !== built.key) {
      const policies = projects.flatMap((p) => {
        try {
          return [projectRolesPolicy(p)];
        } catch (err) {
          // Stored before the check existed, or edited in the store: its roles grant nothing.
          log.warn('project roles skipped', { project: p.name, message: (err as Error).message });
          return [];
        }
      });
      built = { key, rbac: rbac.with(policies) };
    }
    return built.rbac;
  };

  const retentionMs = (config.auditRetentionDays ?? 90) * 86_400_000;
  let lastTrim = 0;
  // Refused callers without a valid credential cost nothing to send: a flood of them must not turn
  // into a flood of store writes. Each process stores at most this many per minute; the rest are
  // still logged.
  let window = { start: 0, stored: 0 };
  return {
    authenticator,
    revocations,
    rbac: withProjectRoles,
    sourceOf: config.sourceOf,
    iamCallerOf: config.iamCallerOf,
    audit: async (recorded) => {
      const entry = { ...recorded, expiresAt: recorded.at + retentionMs };
      log.info('audit', { ...recorded });
      if (entry.result === 'unauthenticated') {
        if (entry.at - window.start >= 60_000) window = { start: entry.at, stored: 0 };
        if (window.stored >= unauthenticatedAuditPerMinute) return;
        window.stored++;
      }
      await store.appendAudit(entry);
      if (config.trimAudit !== false && entry.at - lastTrim > 3_600_000) {
        lastTrim = entry.at;
        await store
          .trimAudit(entry.at - retentionMs)
          .catch((err: unknown) => log.warn('audit trim failed', { message: (err as Error).message }));
      }
    },
  };
}
