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
import { syncOption, type App, type Cluster, type Project } from '../domain/app.js';
import { globMatches } from '../domain/glob.js';
import { formatRef } from '../domain/kube-object.js';
import type { PreparedSet } from '../engine/prepare.js';
import { repoMatchKey } from '../domain/repo-url.js';

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

/** The cluster an app deploys to, as project destinations see it: its registered name and API server. */
export interface DestinationCluster {
  name: string;
  /** The API server URL of a kubeconfig cluster; undefined when unknown (EKS, not registered). */
  server?: string;
}

/** The app's destination cluster: named by destination.name (or .server), with its server if registered. */
export function destinationCluster(app: App, cluster?: Cluster): DestinationCluster {
  const name = app.destination.name ?? app.destination.server ?? '';
  return { name, server: cluster?.type === 'kubeconfig' ? cluster.server : undefined };
}

/**
 * Whether the project's destinations permit a namespace (`''` for cluster-scoped) on a cluster.
 * Deny patterns are tried against both the cluster's name and its server, so `server: '!https://prod…'`
 * cannot be side-stepped by naming the cluster; allow patterns match the name, or a server pattern
 * the server.
 */
export function destinationPermitted(
  project: Pick<Project, 'destinations'>,
  cluster: string | DestinationCluster,
  namespace: string,
): boolean {
  const { name, server } = typeof cluster === 'string' ? { name: cluster, server: undefined } : cluster;
  const identities = server === undefined ? [name] : [name, server];
  const clusterPatterns = (d: Destination) =>
    [d.name, d.server].filter((p): p is string => typeof p === 'string');
  const denied = project.destinations.some(
    (d) =>
      clusterPatterns(d).some((p) => isDeny(p) && identities.some((id) => globMatches(p.slice(1), id))) ||
      (isDeny(d.namespace ?? '') && globMatches(d.namespace!.slice(1), namespace)),
  );
  if (denied) return false;
  return project.destinations.some((d) => {
    const patterns = clusterPatterns(d);
    if (patterns.some(isDeny) || isDeny(d.namespace ?? '')) return false;
    const clusterMatches =
      patterns.some((p) => globMatches(p, name)) ||
      (server !== undefined && d.server !== undefined && globMatches(d.server, server));
    return clusterMatches && globMatches(d.namespace ?? '', namespace);
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
export function checkAppScope(app: App, project: Project, cluster?: Cluster): string[] {
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
    permitted = destinationPermitted(project, destinationCluster(app, cluster), ns);
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
export function checkObjectScope(set: PreparedSet, app: App, project: Project, cluster?: Cluster): string[] {
  const problems: string[] = [];
  const destination = destinationCluster(app, cluster);
  const clusterName = destination.name;
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
    if (!destinationPermitted(project, destination, namespace)) {
      problems.push(
        `${subject}: namespace ${namespace} on cluster ${clusterName} is not a permitted destination of project ${project.name}`,
      );
    }
  }
  return problems;
}
