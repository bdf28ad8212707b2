// AppProject roles as RBAC lines, the way Argo CD reads them: each role is the subject
// `proj:<project>:<role>`, its policies may only name that subject and objects inside the
// project, and its groups are bound to it. A line that reaches outside its project refuses the
// whole project (PolicyError naming the project and role).
import type { Project } from '../domain/app.js';
import { PolicyError, parsePolicyCsv, type Policy } from './policy.js';

export function projectRoleSubject(project: string, role: string): string {
  return `proj:${project}:${role}`;
}

/** The policy of one project's roles; throws PolicyError for a line outside the project. */
export function projectRolesPolicy(project: Project): Policy {
  const out: Policy = { rules: [], bindings: [], warnings: [] };
  for (const role of project.roles ?? []) {
    const subject = projectRoleSubject(project.name, role.name);
    const source = `AppProject/${project.name} role ${role.name} policy`;
    const parsed = parsePolicyCsv(role.policies.join('\n'), source);
    if (parsed.bindings.length > 0)
      throw new PolicyError(`${source}: g lines are not allowed in a project role`);
    for (const rule of parsed.rules) {
      if (rule.subject !== subject)
        throw new PolicyError(`${source}: the subject must be ${subject}, not ${rule.subject}`);
      if (rule.resource !== 'applications' && rule.resource !== 'logs')
        throw new PolicyError(
          `${source}: a project role may grant applications or logs only, not ${rule.resource}`,
        );
      // `<project>/…` literally: a glob in the project part (`*/…`, `team-*/…`) would reach others.
      if (!rule.object.startsWith(`${project.name}/`))
        throw new PolicyError(`${source}: the object must start with ${project.name}/, not ${rule.object}`);
      out.rules.push(rule);
    }
    out.warnings.push(...parsed.warnings);
    for (const group of role.groups) out.bindings.push({ member: group, role: subject });
  }
  return out;
}
