// The source part of an Argo CD Application (`spec.source` / `spec.sources[]`): domain data,
// read by the renderers in shared/source/.

/** `spec.source.directory` of an Argo CD Application. */
export interface DirectoryOptions {
  recurse?: boolean;
  /** Glob (or `{a,b}` list) of file paths, relative to the app path, to include. */
  include?: string;
  /** Glob of file paths to leave out. */
  exclude?: string;
  jsonnet?: JsonnetOptions;
}

/** One `directory.jsonnet.extVars` or `tlas` entry: a string, or Jsonnet code when `code`. */
export interface JsonnetVariable {
  name: string;
  value: string;
  code?: boolean;
}

/** `spec.source.directory.jsonnet` of an Argo CD Application. */
export interface JsonnetOptions {
  extVars?: JsonnetVariable[];
  tlas?: JsonnetVariable[];
  /** Library directories, relative to the repository root (Jsonnet import paths). */
  libs?: string[];
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
