// RBAC policies in the CSV lines Argo CD users already write (argocd-rbac-cm's policy.csv):
//   p, <subject>, <resource>, <action>, <object>[, allow|deny]
//   g, <user-or-group>, <role>
// Parsed here strictly, line by line, into arrays handed to casbin (never casbin's own CSV
// reader): a field with a quote, a control character or a stray comma is an error naming the
// line, so nothing written in a policy can become a matcher expression or a second rule.
import { GitferryError } from '../domain/errors.js';
import { compileGlob, GlobError } from '../domain/glob.js';

export const resources = ['applications', 'projects', 'clusters', 'repositories', 'logs'] as const;
export type Resource = (typeof resources)[number];
export const actions = ['get', 'create', 'update', 'delete', 'sync', 'override', 'action'] as const;
export type Action = (typeof actions)[number];

/**
 * Resources of Argo CD that Gitferry does not have: a line naming one is skipped with a warning,
 * so an Argo CD policy.csv loads as it is, and the user is told what had no effect.
 */
const argoOnlyResources = new Set([
  'applicationsets',
  'certificates',
  'accounts',
  'gpgkeys',
  'exec',
  'extensions',
]);

export interface PolicyRule {
  subject: string;
  resource: Resource | '*';
  /** An action, `*`, or `action/<group>/<kind>/<name>` (globs allowed, as in Argo CD). */
  action: string;
  /** `<project>/<app>` for applications and logs, the name for the others; a glob. */
  object: string;
  effect: 'allow' | 'deny';
}

export interface RoleBinding {
  /** A user (the token's subject) or group, or a role. */
  member: string;
  role: string;
}

export interface Policy {
  rules: PolicyRule[];
  bindings: RoleBinding[];
  /** Lines skipped (Argo CD resources Gitferry does not have), for the log. */
  warnings: string[];
}

/** A policy line that cannot be read; the message names the source and line. */
export class PolicyError extends GitferryError {
  override name = 'PolicyError';
  constructor(message: string) {
    super('rbac:policy', message);
  }
}

export const maxPolicyBytes = 1024 * 1024;
const maxFieldLength = 512;

/**
 * The built-in roles, as Argo CD ships them (builtin-policy.csv) for the resources Gitferry has:
 * `role:readonly` may get everything, `role:admin` may do everything and includes readonly.
 */
export const builtinPolicyCsv = `
p, role:readonly, applications, get, */*, allow
p, role:readonly, projects, get, *, allow
p, role:readonly, clusters, get, *, allow
p, role:readonly, repositories, get, *, allow
p, role:readonly, logs, get, */*, allow

p, role:admin, applications, *, */*, allow
p, role:admin, projects, *, *, allow
p, role:admin, clusters, *, *, allow
p, role:admin, repositories, *, *, allow
p, role:admin, logs, *, */*, allow
g, role:admin, role:readonly
`;

// Printable characters only: no quotes (casbin's CSV would read them), no commas inside a field,
// no control characters (a newline would start a new rule in anything that re-serialises it).
const safeField = /^[^\s",\\\u0000-\u001f\u007f]+$/;

function field(value: string | undefined, what: string, where: string): string {
  const v = (value ?? '').trim();
  if (v === '') throw new PolicyError(`${where}: the ${what} is empty`);
  if (v.length > maxFieldLength)
    throw new PolicyError(`${where}: the ${what} is over ${maxFieldLength} characters`);
  if (!safeField.test(v))
    throw new PolicyError(
      `${where}: the ${what} ${JSON.stringify(v.slice(0, 80))} has a quote, space, backslash or control character`,
    );
  return v;
}

function glob(value: string, what: string, where: string): string {
  try {
    compileGlob(value);
  } catch (err) {
    if (err instanceof GlobError)
      throw new PolicyError(`${where}: the ${what} is not a valid glob: ${err.message}`);
    throw err;
  }
  return value;
}

/**
 * Reads a policy CSV (Argo CD's policy.csv syntax). `source` names it in errors (`policy.csv`,
 * `AppProject/team-a role deployer`). Blank lines and `#` comments are skipped.
 */
export function parsePolicyCsv(csv: string, source = 'policy'): Policy {
  if (Buffer.byteLength(csv) > maxPolicyBytes)
    throw new PolicyError(`${source}: the policy is over ${maxPolicyBytes} bytes`);
  const policy: Policy = { rules: [], bindings: [], warnings: [] };
  csv.split(/\r?\n/).forEach((raw, i) => {
    const where = `${source} line ${i + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(line))
      throw new PolicyError(`${where}: has a control character`);
    const parts = line.split(',').map((p) => p.trim());
    const kind = parts[0];
    if (kind === 'g') {
      if (parts.length !== 3)
        throw new PolicyError(
          `${where}: a g line has 3 fields (g, <user-or-group>, <role>), not ${parts.length}`,
        );
      policy.bindings.push({
        member: field(parts[1], 'user or group', where),
        role: field(parts[2], 'role', where),
      });
      return;
    }
    if (kind !== 'p')
      throw new PolicyError(`${where}: a line starts with p or g, not ${JSON.stringify(kind?.slice(0, 20))}`);
    if (parts.length !== 5 && parts.length !== 6)
      throw new PolicyError(
        `${where}: a p line has 6 fields (p, <subject>, <resource>, <action>, <object>, allow|deny), not ${parts.length}`,
      );
    const subject = field(parts[1], 'subject', where);
    const resource = field(parts[2], 'resource', where);
    if (argoOnlyResources.has(resource)) {
      policy.warnings.push(`${where}: Gitferry has no ${resource}; the line has no effect`);
      return;
    }
    if (resource !== '*' && !(resources as readonly string[]).includes(resource))
      throw new PolicyError(
        `${where}: unknown resource ${JSON.stringify(resource)} (one of ${resources.join(', ')} or *)`,
      );
    const action = glob(field(parts[3], 'action', where), 'action', where);
    const actionRoot = action.split('/')[0]!;
    if (!/[*?[{]/.test(actionRoot) && !(actions as readonly string[]).includes(actionRoot))
      throw new PolicyError(
        `${where}: unknown action ${JSON.stringify(action)} (one of ${actions.join(', ')} or *)`,
      );
    const object = glob(field(parts[4], 'object', where), 'object', where);
    const effect = parts.length === 6 ? field(parts[5], 'effect', where) : 'allow';
    if (effect !== 'allow' && effect !== 'deny')
      throw new PolicyError(`${where}: the effect is allow or deny, not ${JSON.stringify(effect)}`);
    policy.rules.push({ subject, resource: resource as Resource | '*', action, object, effect });
  });
  return policy;
}

/** Policies one after the other (built-in, installation, project roles). */
export function mergePolicies(...policies: Policy[]): Policy {
  return {
    rules: policies.flatMap((p) => p.rules),
    bindings: policies.flatMap((p) => p.bindings),
    warnings: policies.flatMap((p) => p.warnings),
  };
}

/** The installation's RBAC settings (argocd-rbac-cm's policy.csv, policy.default, scopes). */
export interface RbacSettings {
  /** Policy lines added to the built-in ones. */
  policyCsv?: string;
  /** The role everyone signed in has besides their own (Argo CD's `policy.default`), e.g. `role:readonly`. */
  defaultRole?: string;
}
