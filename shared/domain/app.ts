import type { SyncWindow } from './sync-window.js';
import type { AppSource } from './app-source.js';
import type { IgnoreDifference } from './ignore-difference.js';

/** `spec.syncPolicy` of an Argo CD Application. */
export interface SyncPolicy {
  automated?: { enabled?: boolean; prune?: boolean; selfHeal?: boolean; allowEmpty?: boolean };
  syncOptions?: string[];
  retry?: { limit?: number; backoff?: { duration?: string; factor?: number; maxDuration?: string } };
  managedNamespaceMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** An App: an Argo CD `Application` (argoproj.io/v1alpha1) as Gitferry keeps it. */
export interface App {
  name: string;
  project: string;
  sources: AppSource[];
  destination: { name?: string; server?: string; namespace?: string };
  syncPolicy: SyncPolicy;
  ignoreDifferences: IgnoreDifference[];
  revisionHistoryLimit: number;
  /** Argo annotations kept for behaviour (e.g. argocd.argoproj.io/manifest-generate-paths). */
  annotations: Record<string, string>;
  /** metadata.labels (shown and filtered by in the web UI). */
  labels?: Record<string, string>;
  /** Set by rollback: the app stays on this revision until unpinned. */
  pinnedRevision?: string;
  /** Set on a child of an app of apps: the app whose render defines it (and may delete it). */
  parent?: string;
  /** metadata.finalizers of a child: `resources-finalizer.argocd.argoproj.io` deletes its objects with it. */
  finalizers?: string[];
}

/**
 * `spec` of an Argo CD AppProject. Every entry is a glob (see domain/glob.ts); sourceRepos and
 * destinations entries starting with `!` deny. A destination without a namespace allows only
 * cluster-scoped objects. sourceRepos entries without glob characters are canonical repo URLs.
 */
export interface Project {
  name: string;
  sourceRepos: string[];
  destinations: { name?: string; server?: string; namespace?: string }[];
  clusterResourceWhitelist?: { group: string; kind: string }[];
  clusterResourceBlacklist?: { group: string; kind: string }[];
  namespaceResourceBlacklist?: { group: string; kind: string }[];
  namespaceResourceWhitelist?: { group: string; kind: string }[];
  /** Set on a project an app of apps defines: the app whose render defines it. */
  parent?: string;
  /** Argo CD project roles: policy lines for `proj:<project>:<role>` and the groups that have it. */
  roles?: ProjectRole[];
  /** Argo CD sync windows: when the project's apps may sync (domain/sync-window.ts). */
  syncWindows?: SyncWindow[];
}

export interface ProjectRole {
  name: string;
  description?: string;
  /** Policy lines (Argo CD syntax) whose subject is `proj:<project>:<role>`. */
  policies: string[];
  /** Groups (from the sign-in's groups claim) that have this role. */
  groups: string[];
}

/** The `default` project allows everything, as in Argo CD. */
export const defaultProject: Project = {
  name: 'default',
  sourceRepos: ['*'],
  destinations: [{ server: '*', name: '*', namespace: '*' }],
  clusterResourceWhitelist: [{ group: '*', kind: '*' }],
};

/** A registered cluster. Credentials are references to secrets, never values. */
export type Cluster =
  | { name: string; type: 'eks'; eksClusterName: string; region: string; roleArn?: string }
  | {
      name: string;
      type: 'kubeconfig';
      server: string;
      caData?: string;
      tokenSecret: string;
      insecureSkipVerify?: boolean;
    };

/**
 * What the workers last saw of a cluster's API server (Argo CD's `connectionState`), written when
 * it changes and at most once a minute while requests are answered (control/cluster-connection-report.ts).
 */
export interface ClusterConnectionState {
  /** The cluster's name. */
  name: string;
  /** Successful: it answered. Failed: requests to it are not sent for now (cluster-breaker.ts). */
  status: 'Successful' | 'Failed';
  /** Failed: the last failure and when the next try goes out; Successful: empty. */
  message: string;
  /** When it was seen so (ISO 8601). */
  attemptedAt: string;
  /** The API server it was seen at. */
  server: string;
  /** Failed: the last failure, and when the next request goes out (ISO 8601); a new process's breaker starts from them. */
  lastFailure?: string;
  nextTryAt?: string;
}

/** Apps (or anything named) in the order lists show them: by name, code unit by code unit. */
export function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Whether a sync option string is set, e.g. `CreateNamespace=true`. */
export function syncOption(app: App, name: string): string | undefined {
  for (const opt of app.syncPolicy.syncOptions ?? []) {
    const [k, v] = opt.split('=');
    if (k?.trim() === name) return (v ?? 'true').trim();
  }
  return undefined;
}
