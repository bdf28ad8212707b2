// The API's answers as the UI reads them (shapes from shared/api/schemas.ts and the domain).
export type { AppStatus, SyncRun } from '../shared/domain/status.js';
export type { ChangeSetEntry } from '../shared/domain/change-set.js';
export type { ObjectRef } from '../shared/domain/kube-object.js';
import type { App } from '../shared/domain/app.js';
import type { AppStatus, SyncRun } from '../shared/domain/status.js';
import type { ChangeSetEntry } from '../shared/domain/change-set.js';
export type { App };

export interface AppSummary {
  name: string;
  project: string;
  repoURL: string;
  path: string;
  targetRevision: string;
  destination: { name?: string; server?: string; namespace?: string };
  sync: string;
  health: string;
  revision?: string;
  pinnedRevision?: string;
  labels: Record<string, string>;
  operation?: { phase: string; startedAt: string; finishedAt?: string };
}

export interface AppView {
  app: App;
  status?: AppStatus;
  operationInProgress?: { runId: number; revision: string; attempt: number };
}

export type HistoryEntry = Omit<SyncRun, 'results'> & { resources: number; results?: ChangeSetEntry[] };

export interface AppDiff {
  sync?: AppStatus['sync'];
  drift?: AppStatus['drift'];
  resources: AppStatus['resources'];
}

export interface Cluster {
  name: string;
  kind?: string;
  server?: string;
  region?: string;
  /** What the workers last saw of its API server. */
  connectionState?: { status: 'Successful' | 'Failed' | 'Unknown'; message: string; attemptedAt?: string };
  [key: string]: unknown;
}

export interface Project {
  name: string;
  description?: string;
  sourceRepos: string[];
  destinations?: { name?: string; server?: string; namespace?: string }[];
  roles?: { name: string }[];
  [key: string]: unknown;
}
