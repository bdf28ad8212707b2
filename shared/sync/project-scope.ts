import type { App, Project } from '../domain/app.js';
import { formatRef } from '../domain/kube-object.js';
import type { PreparedSet } from '../engine/prepare.js';

/** Argo CD's project globs (gobwas/glob without separators): `*` matches anything, `/` included. */
function glob(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** Argo CD semantics: `!pattern` entries deny, others allow; at least one allow must match. */
function matchesList(patterns: string[], value: string): boolean {
  const deny = patterns.filter((p) => p.startsWith('!')).some((p) => glob(p.slice(1), value));
  return !deny && patterns.filter((p) => !p.startsWith('!')).some((p) => glob(p, value));
}

function kindMatches(list: { group: string; kind: string }[], group: string, kind: string): boolean {
  return list.some((e) => glob(e.group || '', group) && glob(e.kind, kind));
}

/** Problems with the app itself (repos, destination) under its project; empty when allowed. */
export function checkAppScope(app: App, project: Project): string[] {
  const problems: string[] = [];
  for (const s of app.sources) {
    if (!matchesList(project.sourceRepos, s.repoURL))
      problems.push(`source repository ${s.repoURL} is not permitted in project ${project.name}`);
  }
  const clusterName = app.destination.name ?? app.destination.server ?? '';
  const ns = app.destination.namespace ?? '';
  if (!destinationAllowed(project, clusterName, ns)) {
    problems.push(
      `destination ${clusterName}/${ns || '(cluster)'} is not permitted in project ${project.name}`,
    );
  }
  return problems;
}

function destinationAllowed(project: Project, clusterName: string, namespace: string): boolean {
  return project.destinations.some(
    (d) =>
      (glob(d.name ?? d.server ?? '', clusterName) || glob(d.server ?? d.name ?? '', clusterName)) &&
      glob(d.namespace ?? '*', namespace),
  );
}

/**
 * Problems with the rendered objects (resources and hooks) under the project: cluster-scoped kinds
 * must be whitelisted, namespaced kinds not blacklisted (and whitelisted if a whitelist exists),
 * and every namespace a permitted destination. Checked before anything is written.
 */
export function checkObjectScope(set: PreparedSet, app: App, project: Project): string[] {
  const problems: string[] = [];
  const clusterName = app.destination.name ?? app.destination.server ?? '';
  for (const p of [...set.resources, ...set.hooks]) {
    const { group, kind, namespace } = p.ref;
    const subject = formatRef(p.ref);
    if (!namespace) {
      if (!kindMatches(project.clusterResourceWhitelist ?? [], group, kind)) {
        problems.push(
          `${subject}: cluster-scoped ${group || 'core'}/${kind} is not permitted in project ${project.name}`,
        );
      }
      continue;
    }
    if (kindMatches(project.namespaceResourceBlacklist ?? [], group, kind)) {
      problems.push(`${subject}: ${group || 'core'}/${kind} is blacklisted in project ${project.name}`);
    } else if (
      project.namespaceResourceWhitelist &&
      !kindMatches(project.namespaceResourceWhitelist, group, kind)
    ) {
      problems.push(
        `${subject}: ${group || 'core'}/${kind} is not in the namespace resource whitelist of project ${project.name}`,
      );
    }
    if (!destinationAllowed(project, clusterName, namespace)) {
      problems.push(
        `${subject}: namespace ${namespace} on cluster ${clusterName} is not a permitted destination of project ${project.name}`,
      );
    }
  }
  return problems;
}
