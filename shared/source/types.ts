import type { DesiredObject } from '../engine/prepare.js';

/** `spec.source.directory` of an Argo CD Application. */
export interface DirectoryOptions {
  recurse?: boolean;
  /** Glob (or `{a,b}` list) of file paths, relative to the app path, to include. */
  include?: string;
  /** Glob of file paths to leave out. */
  exclude?: string;
  jsonnet?: unknown;
}

export interface HelmParameter {
  name: string;
  value: string;
  forceString?: boolean;
}

/** `spec.source.helm` of an Argo CD Application. */
export interface HelmOptions {
  releaseName?: string;
  namespace?: string;
  valueFiles?: string[];
  ignoreMissingValueFiles?: boolean;
  values?: string;
  valuesObject?: Record<string, unknown>;
  parameters?: HelmParameter[];
  fileParameters?: { name: string; path: string }[];
  skipCrds?: boolean;
  skipTests?: boolean;
  kubeVersion?: string;
  apiVersions?: string[];
  version?: string;
  passCredentials?: boolean;
}

/** `spec.source.kustomize` of an Argo CD Application. */
export interface KustomizeOptions {
  namePrefix?: string;
  nameSuffix?: string;
  images?: string[];
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  namespace?: string;
  replicas?: { name: string; count: number | string }[];
  patches?: { path?: string; patch?: string; target?: Record<string, unknown> }[];
  components?: string[];
  version?: string;
}

/** One source of an Argo CD Application (`spec.source`, or an item of `spec.sources`). */
export interface AppSource {
  repoURL: string;
  path?: string;
  targetRevision?: string;
  /** Set for a chart from a Helm repository (repoURL is then the Helm repository). */
  chart?: string;
  /** Names this source so others can use its files as `$ref/...` value files. */
  ref?: string;
  name?: string;
  directory?: DirectoryOptions;
  helm?: HelmOptions;
  kustomize?: KustomizeOptions;
  plugin?: unknown;
}

export type SourceType = 'Directory' | 'Kustomize' | 'Helm';

export interface RenderResult {
  objects: DesiredObject[];
  sourceType: SourceType;
  warnings: string[];
}

/** Bounds on what one fetch or render may consume (safety items 12 and 13). */
export interface SourceLimits {
  /** Files a checkout or app directory may hold. */
  maxFiles: number;
  /** Bytes of the files read or produced. */
  maxBytes: number;
  /** YAML documents a render may produce. */
  maxDocuments: number;
  /** JSON nodes one parsed document may expand to (stops alias bombs). */
  maxNodesPerDocument: number;
  /**
   * JSON nodes all documents of one render may expand to together: many documents each under
   * `maxNodesPerDocument` must not add up to more than memory holds.
   */
  maxNodesPerRender: number;
  /** Bytes one file (a git blob) may hold: checked before it is inflated or written. */
  maxFileBytes: number;
  /** Wall time of one helm or kustomize run. */
  timeoutMs: number;
}

export const defaultSourceLimits: SourceLimits = {
  maxFiles: 20_000,
  maxBytes: 256 * 1024 * 1024,
  maxDocuments: 20_000,
  maxNodesPerDocument: 1_000_000,
  maxNodesPerRender: 5_000_000,
  maxFileBytes: 32 * 1024 * 1024,
  timeoutMs: 60_000,
};
