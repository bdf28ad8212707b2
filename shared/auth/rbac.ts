// Decisions in Argo CD's RBAC model, evaluated by casbin (the engine Argo CD uses) with Argo CD's
// model: a request (subject, resource, action, object) matches a rule when the subject has the
// rule's subject as itself or a role (g lines, transitively) and resource, action and object match
// the rule's globs. Deny overrides allow.
//
// One difference from Argo CD, on purpose: Argo CD asks casbin once per subject (the user, each
// group, the default role) and allows if any one is allowed, so a deny written for a group does
// not stop an allow the user has through another group. Here a deny for any of the caller's
// subjects wins over every allow.
import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { globMatches } from '../domain/glob.js';
import type { Identity } from './identity.js';
import {
  builtinPolicyCsv,
  mergePolicies,
  parsePolicyCsv,
  type Action,
  type Policy,
  type Resource,
} from './policy.js';

/** What a request needs: Argo CD's (resource, action, object). */
export interface Permission {
  resource: Resource;
  action: Action | `action/${string}`;
  /** `<project>/<app>` for applications and logs; the project, cluster or repository otherwise. */
  object: string;
}

const model = (effect: string) => `
[request_definition]
r = sub, res, act, obj

[policy_definition]
p = sub, res, act, obj, eft

[role_definition]
g = _, _

[policy_effect]
e = ${effect}

[matchers]
m = g(r.sub, p.sub) && rbacGlob(r.res, p.res) && rbacGlob(r.act, p.act) && rbacGlob(r.obj, p.obj)
`;

/** Argo CD's RBAC globs: `*` crosses `/` (no separator), patterns checked when the policy was read. */
function globMatch(value: string, pattern: string): boolean {
  try {
    return globMatches(pattern, value);
  } catch {
    return false;
  }
}

async function enforcerOf(effect: string, policy: Policy): Promise<Enforcer> {
  const e = await newEnforcer(newModelFromString(model(effect)));
  await e.addFunction('rbacGlob', globMatch);
  if (policy.rules.length > 0)
    await e.addPolicies(policy.rules.map((r) => [r.subject, r.resource, r.action, r.object, r.effect]));
  if (policy.bindings.length > 0) await e.addGroupingPolicies(policy.bindings.map((b) => [b.member, b.role]));
  return e;
}

export function describePermission(p: Permission): string {
  return `${p.resource}, ${p.action}, ${p.object}`;
}

/** Answers kept per Rbac (it never changes); a list of 1,000 apps asks once per app per request. */
const memoLimit = 50_000;

/** The RBAC of one installation: the built-in roles, its policy and its default role. */
export class Rbac {
  private readonly answers = new Map<string, boolean>();

  private constructor(
    private readonly allowing: Enforcer,
    /** Answers false when a deny rule matches. */
    private readonly notDenied: Enforcer,
    readonly defaultRole: string | undefined,
    readonly policy: Policy,
  ) {}

  /** The built-in roles plus `policyCsv` (Argo CD syntax); `defaultRole` applies to every caller. */
  static async create(
    opts: { policyCsv?: string; defaultRole?: string; extra?: Policy[] } = {},
  ): Promise<Rbac> {
    const policy = mergePolicies(
      parsePolicyCsv(builtinPolicyCsv, 'built-in policy'),
      parsePolicyCsv(opts.policyCsv ?? '', 'policy.csv'),
      ...(opts.extra ?? []),
    );
    const [allowing, notDenied] = await Promise.all([
      // Argo CD's effect: within one subject's roles, a matching deny beats a matching allow.
      enforcerOf('some(where (p.eft == allow)) && !some(where (p.eft == deny))', policy),
      // True unless a deny matches (casbin has no "some deny" effect; this is its negation).
      enforcerOf('!some(where (p.eft == deny))', policy),
    ]);
    return new Rbac(allowing, notDenied, opts.defaultRole || undefined, policy);
  }

  /** The same installation policy with more lines (project roles). */
  async with(extra: Policy[]): Promise<Rbac> {
    const policy = mergePolicies(this.policy, ...extra);
    const [allowing, notDenied] = await Promise.all([
      enforcerOf('some(where (p.eft == allow)) && !some(where (p.eft == deny))', policy),
      enforcerOf('!some(where (p.eft == deny))', policy),
    ]);
    return new Rbac(allowing, notDenied, this.defaultRole, policy);
  }

  private subjectsOf(who: Identity): string[] {
    return [...new Set([who.subject, ...who.groups, ...(this.defaultRole ? [this.defaultRole] : [])])];
  }

  /** Whether `who` may do `what`: some subject of theirs is allowed and none is denied. */
  can(who: Identity, what: Permission): boolean {
    const subjects = this.subjectsOf(who);
    const key = JSON.stringify([subjects, what.resource, what.action, what.object]);
    const known = this.answers.get(key);
    if (known !== undefined) return known;
    const answer = this.decide(subjects, what);
    if (this.answers.size >= memoLimit) this.answers.clear();
    this.answers.set(key, answer);
    return answer;
  }

  private decide(subjects: string[], what: Permission): boolean {
    const req = (s: string) => [s, what.resource, what.action, what.object];
    if (subjects.some((s) => !this.notDenied.enforceSync(...req(s)))) return false;
    return subjects.some((s) => this.allowing.enforceSync(...req(s)));
  }
}
