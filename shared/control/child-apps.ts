// App of apps: an app whose render holds Argo CD `Application` (and `AppProject`) objects addressed
// to the Argo CD namespace registers them as Gitferry apps (and projects) owned by it, instead of
// applying them to the cluster (no Argo CD CRDs need exist there). Children go through the same
// validation as Applications sent to the API, may only use their parent's project (or one their
// parent defines, never wider than the parent's own), and never take over an app they do not own.
// A child removed from Git is deleted when the parent syncs with prune: with Argo CD's resources
// finalizer its objects too (cascade), without it the app record only.
import type { App, Project } from '../domain/app.js';
import { dependencyCycleProblem } from '../domain/app-dependencies.js';
import { parseApplication, parseAppProjectManifest } from '../domain/application-manifest.js';
import { AppBusyError } from '../domain/errors.js';
import { globMatches } from '../domain/glob.js';
import type { HealthStatus } from '../domain/health.js';
import type { AppStatus } from '../domain/status.js';
import { groupOf } from '../domain/kube-object.js';
import type { DesiredObject } from '../engine/prepare.js';
import { worstHealth } from '../engine/health.js';
import { cascadePolicyOf, deleteApp } from './delete-app.js';
import { clusterOf, type Control } from './deps.js';
import { checkAppScope } from './project-scope.js';
import { saveApp } from './requests.js';

type AppStatusCondition = NonNullable<AppStatus['conditions']>[number];

export interface ChildManifests {
  applications: DesiredObject[];
  projects: DesiredObject[];
}

/** Where an object lands: its own namespace, else the app's destination namespace. */
function namespaceOf(d: DesiredObject, parent: App): string {
  return d.object.metadata.namespace || parent.destination.namespace || 'default';
}

/** Splits a render into the objects to apply and the Applications/AppProjects that become children. */
export function splitChildApps(
  desired: DesiredObject[],
  parent: App,
  argoNamespace: string,
): { objects: DesiredObject[]; children: ChildManifests } {
  const objects: DesiredObject[] = [];
  const children: ChildManifests = { applications: [], projects: [] };
  for (const d of desired) {
    const isArgo = groupOf(d.object.apiVersion) === 'argoproj.io' && namespaceOf(d, parent) === argoNamespace;
    if (isArgo && d.object.kind === 'Application') children.applications.push(d);
    else if (isArgo && d.object.kind === 'AppProject') children.projects.push(d);
    else objects.push(d);
  }
  return { objects, children };
}

export interface ChildAppsOutcome {
  created: string[];
  updated: string[];
  deleted: string[];
  /** Children refused, each naming the object: shown in the parent's status. */
  problems: string[];
  /** Children removed from Git and not deleted (yet): no prune, or busy. */
  pending: string[];
}

const allow = (patterns: string[]) => patterns.filter((p) => !p.startsWith('!'));
const deny = (patterns: string[]) => patterns.filter((p) => p.startsWith('!'));

/** Whether every allow pattern of the child is matched by an allow pattern of the parent. */
function narrower(child: string[], parent: string[]): boolean {
  return allow(child).every((c) => allow(parent).some((p) => globMatches(p, c)));
}

type Kinds = { group: string; kind: string }[];
function kindsNarrower(child: Kinds | undefined, parent: Kinds | undefined): boolean {
  return (child ?? []).every((c) =>
    (parent ?? []).some((p) => globMatches(p.group || '', c.group || '') && globMatches(p.kind, c.kind)),
  );
}

/**
 * Problems with a project a parent defines, under the parent's own project: it may not allow any
 * repo, destination or cluster-scoped kind the parent's project does not, and it inherits the
 * parent's denials.
 */
function checkChildProject(project: Project, parentProject: Project): string[] {
  const problems: string[] = [];
  const at = `AppProject/${project.name}`;
  if (!narrower(project.sourceRepos, parentProject.sourceRepos))
    problems.push(`${at}: spec.sourceRepos allows more than the parent's project ${parentProject.name}`);
  const destinationOk = project.destinations
    .filter((d) => ![d.name, d.server, d.namespace].some((p) => p?.startsWith('!')))
    .every((d) =>
      parentProject.destinations.some(
        (p) =>
          ![p.name, p.server, p.namespace].some((x) => x?.startsWith('!')) &&
          ((d.name !== undefined && p.name !== undefined && globMatches(p.name, d.name)) ||
            (d.server !== undefined && p.server !== undefined && globMatches(p.server, d.server))) &&
          globMatches(p.namespace ?? '', d.namespace ?? ''),
      ),
    );
  if (!destinationOk)
    problems.push(`${at}: spec.destinations allow more than the parent's project ${parentProject.name}`);
  if (!kindsNarrower(project.clusterResourceWhitelist, parentProject.clusterResourceWhitelist))
    problems.push(
      `${at}: spec.clusterResourceWhitelist allows more than the parent's project ${parentProject.name}`,
    );
  if (
    parentProject.namespaceResourceWhitelist &&
    (!project.namespaceResourceWhitelist ||
      !kindsNarrower(project.namespaceResourceWhitelist, parentProject.namespaceResourceWhitelist))
  )
    problems.push(
      `${at}: spec.namespaceResourceWhitelist allows more than the parent's project ${parentProject.name}`,
    );
  return problems;
}

/** A child project with the parent's denials added: what the parent's project forbids stays forbidden. */
function withParentDenials(project: Project, parentProject: Project, parent: string): Project {
  const denyDestinations = parentProject.destinations.filter((d) =>
    [d.name, d.server, d.namespace].some((p) => p?.startsWith('!')),
  );
  return {
    ...project,
    sourceRepos: [...project.sourceRepos, ...deny(parentProject.sourceRepos)],
    destinations: [...project.destinations, ...denyDestinations],
    clusterResourceBlacklist: [
      ...(project.clusterResourceBlacklist ?? []),
      ...(parentProject.clusterResourceBlacklist ?? []),
    ],
    namespaceResourceBlacklist: [
      ...(project.namespaceResourceBlacklist ?? []),
      ...(parentProject.namespaceResourceBlacklist ?? []),
    ],
    parent,
  };
}

function finalizersOf(d: DesiredObject): string[] {
  const raw = (d.object.metadata as { finalizers?: unknown }).finalizers;
  return Array.isArray(raw) ? raw.filter((f): f is string => typeof f === 'string') : [];
}

/** The app as stored, without what the store adds (rollback pin), for change detection. */
function definitionOf(app: App): string {
  return JSON.stringify({ ...app, pinnedRevision: undefined });
}

/**
 * Registers, updates and (with prune) deletes the children of `parent` after it synced. Never
 * throws for a bad child: each refusal is a problem naming the object.
 */
export async function reconcileChildApps(
  c: Control,
  parent: App,
  parentProject: Project,
  manifests: ChildManifests,
  opts: { prune: boolean },
): Promise<ChildAppsOutcome> {
  const outcome: ChildAppsOutcome = { created: [], updated: [], deleted: [], problems: [], pending: [] };
  // The parent's children as stored (the links index: no read of every app on each sync).
  const children = await c.store.listLinkedApps('parent', parent.name);
  if (manifests.applications.length === 0 && manifests.projects.length === 0 && children.length === 0)
    return outcome;
  const ownProjects = await registerChildProjects(c, parent, parentProject, manifests.projects, outcome);
  // Apps read by name as the manifests name them, and written here: what this sync knows of them.
  const byName = new Map(children.map((a) => [a.name, a]));
  const appNamed = async (name: string) => (byName.has(name) ? byName.get(name) : await c.store.getApp(name));
  // Every app, only when a child is new or changed (its dependencies must not close a cycle).
  let everyApp: Map<string, App> | undefined;
  const wanted = new Set<string>();
  const requestDeps = { store: c.store, queue: c.queue, now: () => c.clock.now() };
  for (const d of manifests.applications) {
    let child: App;
    try {
      const parsed = parseApplication(d.object);
      child = { ...parsed.app, parent: parent.name, finalizers: finalizersOf(d) };
    } catch (err) {
      outcome.problems.push(`${(err as Error).message} (${d.source})`);
      continue;
    }
    const at = `Application/${child.name}`;
    wanted.add(child.name);
    const existing = await appNamed(child.name);
    if (child.name === parent.name || (existing && existing.parent !== parent.name)) {
      outcome.problems.push(
        `${at}: an app of this name exists and is not a child of ${parent.name}; refused`,
      );
      continue;
    }
    const project = child.project === parentProject.name ? parentProject : ownProjects.get(child.project);
    if (!project) {
      outcome.problems.push(
        `${at}: project ${child.project} is neither the parent's project (${parentProject.name}) nor one the parent defines; refused`,
      );
      continue;
    }
    const scope = checkAppScope(child, project, await clusterOf(c, child));
    if (scope.length > 0) {
      outcome.problems.push(`${at}: ${scope.join('; ')}; refused`);
      continue;
    }
    if (existing && definitionOf(existing) === definitionOf({ ...child })) continue;
    // Dependencies among children, or between a child and any other app, must not close a cycle.
    everyApp ??= new Map((await c.store.listApps()).map((a) => [a.name, a]));
    for (const [name, app] of byName) if (app) everyApp.set(name, app);
    const cycle = dependencyCycleProblem(child, [...everyApp.values()]);
    if (cycle) {
      outcome.problems.push(`${cycle}; refused`);
      continue;
    }
    await saveApp(requestDeps, child);
    byName.set(child.name, child);
    everyApp.set(child.name, child);
    (existing ? outcome.updated : outcome.created).push(child.name);
  }
  for (const gone of children.filter((a) => a.parent === parent.name && !wanted.has(a.name))) {
    await removeChild(c, gone, opts.prune, outcome);
  }
  return outcome;
}

async function registerChildProjects(
  c: Control,
  parent: App,
  parentProject: Project,
  manifests: DesiredObject[],
  outcome: ChildAppsOutcome,
): Promise<Map<string, Project>> {
  const own = new Map<string, Project>();
  for (const d of manifests) {
    let project: Project;
    try {
      project = parseAppProjectManifest(d.object).project;
    } catch (err) {
      outcome.problems.push(`${(err as Error).message} (${d.source})`);
      continue;
    }
    const at = `AppProject/${project.name}`;
    const existing = await c.store.getProject(project.name);
    if (
      project.name === 'default' ||
      project.name === parentProject.name ||
      (existing && existing.parent !== parent.name)
    ) {
      outcome.problems.push(
        `${at}: a project of this name exists and is not defined by ${parent.name}; refused`,
      );
      continue;
    }
    const problems = checkChildProject(project, parentProject);
    if (problems.length > 0) {
      outcome.problems.push(...problems.map((p) => `${p}; refused`));
      continue;
    }
    const registered = withParentDenials(project, parentProject, parent.name);
    await c.store.putProject(registered);
    own.set(project.name, registered);
  }
  // Projects the parent defined in earlier syncs still count (their apps may still use them).
  for (const p of await c.store.listProjects())
    if (p.parent === parent.name && !own.has(p.name)) own.set(p.name, p);
  return own;
}

async function removeChild(c: Control, child: App, prune: boolean, outcome: ChildAppsOutcome): Promise<void> {
  const at = `Application/${child.name}`;
  if (!prune) {
    outcome.pending.push(`${at} is no longer in Git; it is deleted when ${child.parent} syncs with prune`);
    return;
  }
  const policy = cascadePolicyOf(child.finalizers);
  try {
    await deleteApp(c, child.name, {
      cascade: policy !== undefined,
      propagationPolicy: policy ?? 'Foreground',
    });
    outcome.deleted.push(child.name);
  } catch (err) {
    if (!(err instanceof AppBusyError)) throw err;
    outcome.pending.push(`${at} is no longer in Git but is busy; it is deleted on the next sync`);
  }
}

/** The parent's health with its children's (worst wins); a child not yet assessed counts as Progressing. */
export async function withChildrenHealth(
  c: Control,
  parent: string,
  own: HealthStatus,
): Promise<HealthStatus> {
  const children = await c.store.listLinkedApps('parent', parent);
  if (children.length === 0) return own;
  const statuses = await Promise.all(
    children.map(async (child): Promise<HealthStatus> => {
      const health = (await c.store.getStatus(child.name))?.health;
      if (!health)
        return { status: 'Progressing', message: `Application/${child.name} has not been assessed yet` };
      return {
        status: health.status,
        message: `Application/${child.name} is ${health.status}${health.message ? `: ${health.message}` : ''}`,
      };
    }),
  );
  return worstHealth([own, ...statuses]);
}

/** `; child apps: 1 created, …` for the run's message; empty when nothing happened. */
export function childAppsSummary(o: ChildAppsOutcome): string {
  const parts = [
    o.created.length ? `${o.created.length} created` : '',
    o.updated.length ? `${o.updated.length} updated` : '',
    o.deleted.length ? `${o.deleted.length} deleted` : '',
    o.problems.length ? `${o.problems.length} refused` : '',
  ].filter(Boolean);
  return parts.length ? `; child apps: ${parts.join(', ')}` : '';
}

/** The parent's status conditions: each refused child, and each child waiting to be deleted. */
export function childAppConditions(o: ChildAppsOutcome | undefined, now: number): AppStatusCondition[] {
  if (!o) return [];
  const at = new Date(now).toISOString();
  return [
    ...o.problems.map((message) => ({ type: 'InvalidSpecError' as const, message, at })),
    ...o.pending.map((message) => ({ type: 'SyncError' as const, message, at })),
  ];
}

/**
 * A child whose health changed wakes its parent, whose health includes it: the parent's status
 * stays current without waiting for its own next drift check.
 */
export async function wakeParentOnHealthChange(
  c: Control,
  app: App,
  before: HealthStatus | undefined,
  after: HealthStatus,
): Promise<void> {
  if (!app.parent || (before?.status === after.status && before?.message === after.message)) return;
  await c.queue.send({ app: app.parent, reason: 'refresh', requestedAt: c.clock.now() });
}
