// What an app may do under its AppProject, with Argo CD's documented semantics
// (docs/user-guide/projects.md, AppProject in pkg/apis/application/v1alpha1/app_project_types.go):
// - sourceRepos and destinations hold allow entries and `!` deny entries. Something is permitted
//   when an allow entry matches it AND no deny entry matches it: deny always wins. A deny entry
//   never allows anything by itself (Argo CD's code lets `!x` match "everything but x"; its docs
//   and this check do not).
// - sourceRepos globs use `/` as separator (`*` stays inside one path segment, `**` crosses),
//   compared on repoMatchKey of both sides, except `*` alone, which allows any repository.
// - A destination entry without a namespace matches only the empty namespace, i.e. cluster-scoped
//   objects; an entry's name and server are both globs over the cluster's name.
// - Namespaced kinds: not blacklisted, and whitelisted when a whitelist is given (an empty one
//   allows nothing). Cluster-scoped kinds: whitelisted and not blacklisted, including the
//   Namespace that CreateNamespace=true would create.
import { syncOption, type App, type Project } from '../domain/app.js';
import { globMatches } from '../domain/glob.js';
import { formatRef } from '../domain/kube-object.js';
import type { PreparedSet } from '../engine/prepare.js';
import { repoMatchKey } from '../source/repo-url.js';

/** A sourceRepos pattern as it is compared: like repoMatchKey, without parsing (it may hold globs). */
export function normalizeRepoPattern(pattern: string): string {
  const trimmed = pattern.trim().toLowerCase();
  const at = trimmed.indexOf('://');
  const [head, rest] = at < 0 ? ['', trimmed] : [trimmed.slice(0, at + 3), trimmed.slice(at + 3)];
  return `${head}${rest.replace(/\/{2,}/g, '/').replace(/\/+$/, '')}`.replace(/\.git$/, '');
}

const isDeny = (p: string) => p.startsWith('!');

/** Whether the project's sourceRepos permit a repository URL (the app's canonical repoURL). */
export function repoPermitted(project: Pick<Project, 'sourceRepos'>, repoURL: string): boolean {
  const key = repoMatchKey(repoURL);
  const matches = (p: string) => p === '*' || globMatches(normalizeRepoPattern(p), key, '/');
  const entries = project.sourceRepos.map((p) => p.trim());
  if (entries.filter(isDeny).some((p) => matches(p.slice(1)))) return false;
  return entries.filter((p) => !isDeny(p)).some(matches);
}

type Destination = Project['destinations'][number];

/** Whether the project's destinations permit a namespace (`''` for cluster-scoped) on a cluster. */
export function destinationPermitted(
  project: Pick<Project, 'destinations'>,
  cluster: string,
  namespace: string,
): boolean {
  const clusterPatterns = (d: Destination) =>
    [d.name, d.server].filter((p): p is string => typeof p === 'string');
  const denied = project.destinations.some(
    (d) =>
      clusterPatterns(d).some((p) => isDeny(p) && globMatches(p.slice(1), cluster)) ||
      (isDeny(d.namespace ?? '') && globMatches(d.namespace!.slice(1), namespace)),
  );
  if (denied) return false;
  return project.destinations.some((d) => {
    const patterns = clusterPatterns(d);
    if (patterns.some(isDeny) || isDeny(d.namespace ?? '')) return false;
    return patterns.some((p) => globMatches(p, cluster)) && globMatches(d.namespace ?? '', namespace);
  });
}

function kindMatches(list: { group: string; kind: string }[], group: string, kind: string): boolean {
  return list.some((e) => globMatches(e.group || '', group) && globMatches(e.kind, kind));
}

function clusterKindPermitted(project: Project, group: string, kind: string): boolean {
  return (
    kindMatches(project.clusterResourceWhitelist ?? [], group, kind) &&
    !kindMatches(project.clusterResourceBlacklist ?? [], group, kind)
  );
}

/** Problems with the app itself (repos, destination) under its project; empty when allowed. */
export function checkAppScope(app: App, project: Project): string[] {
  const problems: string[] = [];
  for (const s of app.sources) {
    let permitted: boolean;
    try {
      permitted = repoPermitted(project, s.repoURL);
    } catch (err) {
      // Stored before URLs were canonicalised, or written around the API: never matched raw.
      problems.push(`source repository ${(err as Error).message}`);
      continue;
    }
    if (!permitted)
      problems.push(`source repository ${s.repoURL} is not permitted in project ${project.name}`);
  }
  const clusterName = app.destination.name ?? app.destination.server ?? '';
  const ns = app.destination.namespace ?? '';
  let permitted: boolean;
  try {
    permitted = destinationPermitted(project, clusterName, ns);
  } catch (err) {
    // A project stored before projects were validated: it permits nothing until it is fixed.
    problems.push(`project ${project.name} is invalid: ${(err as Error).message}`);
    return problems;
  }
  if (!permitted) {
    problems.push(
      `destination ${clusterName}/${ns || '(cluster)'} is not permitted in project ${project.name}`,
    );
  }
  return problems;
}

/**
 * Problems with the rendered objects (resources and hooks) under the project: cluster-scoped kinds
 * must be whitelisted (and not blacklisted), namespaced kinds not blacklisted (and whitelisted if a
 * whitelist exists), and every namespace a permitted destination. The Namespace CreateNamespace=true
 * creates (with its managedNamespaceMetadata) is a cluster-scoped object like any other. Checked
 * before anything is written.
 */
export function checkObjectScope(set: PreparedSet, app: App, project: Project): string[] {
  const problems: string[] = [];
  const clusterName = app.destination.name ?? app.destination.server ?? '';
  const created = app.destination.namespace;
  if (
    syncOption(app, 'CreateNamespace') === 'true' &&
    created &&
    !set.resources.some((p) => p.ref.group === '' && p.ref.kind === 'Namespace' && p.ref.name === created) &&
    !clusterKindPermitted(project, '', 'Namespace')
  ) {
    problems.push(
      `Namespace/${created}: cluster-scoped core/Namespace (created by CreateNamespace=true) is not permitted in project ${project.name}`,
    );
  }
  for (const p of [...set.resources, ...set.hooks]) {
    const { group, kind, namespace } = p.ref;
    const subject = formatRef(p.ref);
    if (!namespace) {
      if (!clusterKindPermitted(project, group, kind)) {
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
    if (!destinationPermitted(project, clusterName, namespace)) {
      problems.push(
        `${subject}: namespace ${namespace} on cluster ${clusterName} is not a permitted destination of project ${project.name}`,
      );
    }
  }
  return problems;
}
