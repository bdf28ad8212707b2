import type { GitCredentials } from './git-http.js';
import type { ChartDependencyCache } from './chart-dependency-cache.js';
import type { UrlGuardOptions } from './url-guard.js';
import type { SourceLimits } from './types.js';
import type { DocumentCount } from './yaml.js';

/** Everything a renderer needs besides the source itself. */
export interface RenderContext {
  /** Helm's default release name. */
  appName: string;
  /** The app's destination namespace (helm --namespace). */
  namespace: string;
  /** The target cluster's version (helm --kube-version), e.g. `v1.36.3`. */
  kubeVersion?: string;
  /** The target cluster's API versions (helm --api-versions), e.g. `apps/v1`. */
  apiVersions?: string[];
  tools: { helm: string; kustomize: string; jsonnet?: string };
  limits: SourceLimits;
  /**
   * Documents and nodes the render has produced so far, across all its sources (one budget per
   * render); a fresh count when absent.
   */
  count?: DocumentCount;
  /** A fresh directory for this render only, removed afterwards. */
  renderDir: string;
  /** Checkouts of the app's other sources by their `ref` name (for `$ref/...` value files). */
  refs?: Map<string, string>;
  guard: UrlGuardOptions;
  /** Credentials for a repository URL (Helm repositories and OCI registries of chart dependencies too). */
  credentials?: (repoURL: string) => Promise<GitCredentials | undefined>;
  /** OCI registries (`host:port`) spoken to in plain HTTP instead of HTTPS (an operator's choice). */
  ociPlainHttpHosts?: string[];
  /** Fetched chart dependencies kept across renders, keyed by the chart's Chart.lock. */
  dependencyCache?: ChartDependencyCache;
}
