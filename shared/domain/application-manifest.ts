import type { App, Project } from './app.js';
import { GitferryError } from './errors.js';

export class ManifestFormatError extends GitferryError {
  override name = 'ManifestFormatError';
  constructor(message: string) {
    super('app:invalid', message);
  }
}

export interface ParsedApplication {
  app: App;
  /** Fields Gitferry does not support (yet), each named by its path: never silently dropped. */
  warnings: string[];
}

/** Keys understood at each path; anything else is reported. `*` = any key below is kept as data. */
const supported: Record<string, string[] | '*'> = {
  '': ['apiVersion', 'kind', 'metadata', 'spec', 'status', 'operation'],
  metadata: [
    'name',
    'namespace',
    'labels',
    'annotations',
    'finalizers',
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'managedFields',
  ],
  spec: [
    'project',
    'source',
    'sources',
    'destination',
    'syncPolicy',
    'ignoreDifferences',
    'revisionHistoryLimit',
    'info',
  ],
  source: ['repoURL', 'path', 'targetRevision', 'chart', 'ref', 'name', 'directory', 'helm', 'kustomize'],
  'source.directory': ['recurse', 'include', 'exclude'],
  'source.helm': [
    'valueFiles',
    'ignoreMissingValueFiles',
    'values',
    'valuesObject',
    'parameters',
    'fileParameters',
    'releaseName',
    'namespace',
    'skipCrds',
    'skipTests',
    'kubeVersion',
    'apiVersions',
  ],
  'source.kustomize': [
    'namePrefix',
    'nameSuffix',
    'images',
    'commonLabels',
    'commonAnnotations',
    'namespace',
    'replicas',
    'patches',
    'components',
  ],
  destination: ['name', 'server', 'namespace'],
  syncPolicy: ['automated', 'syncOptions', 'retry', 'managedNamespaceMetadata'],
  'syncPolicy.automated': ['enabled', 'prune', 'selfHeal', 'allowEmpty'],
  'syncPolicy.retry': ['limit', 'backoff'],
  'syncPolicy.retry.backoff': ['duration', 'factor', 'maxDuration'],
  'syncPolicy.managedNamespaceMetadata': ['labels', 'annotations'],
  ignoreDifferences: ['group', 'kind', 'name', 'namespace', 'jsonPointers'],
};

const supportedSyncOptions = new Set([
  'CreateNamespace',
  'ServerSideApply',
  'PruneLast',
  'ApplyOutOfSyncOnly',
  'Replace',
  'Validate',
  'PrunePropagationPolicy',
  'RespectIgnoreDifferences',
  'FailOnSharedResource',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(value: unknown, schemaPath: string, displayPath: string, warnings: string[]): void {
  const allowed = supported[schemaPath];
  if (!isObject(value) || allowed === undefined || allowed === '*') return;
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      warnings.push(
        `${displayPath ? `${displayPath}.` : ''}${key} is not supported by Gitferry and is ignored`,
      );
  }
}

function requireString(v: unknown, path: string, name: string): string {
  if (typeof v !== 'string' || v.trim() === '')
    throw new ManifestFormatError(`Application/${name}: ${path} is required`);
  return v;
}

/** Parses an Argo CD Application (argoproj.io/v1alpha1) into an App, listing every unsupported field. */
export function parseApplication(doc: unknown): ParsedApplication {
  if (!isObject(doc)) throw new ManifestFormatError('Application: not an object');
  const name = isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : '';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new ManifestFormatError(
      `Application/${name || '?'}: metadata.name must be a DNS label (lowercase letters, digits, '-')`,
    );
  }
  if (doc.apiVersion !== 'argoproj.io/v1alpha1' || doc.kind !== 'Application') {
    throw new ManifestFormatError(
      `Application/${name}: expected apiVersion argoproj.io/v1alpha1 and kind Application, got ${String(doc.apiVersion)} ${String(doc.kind)}`,
    );
  }
  const spec = isObject(doc.spec) ? doc.spec : {};
  const warnings: string[] = [];
  checkKeys(doc, '', '', warnings);
  checkKeys(doc.metadata, 'metadata', 'metadata', warnings);
  checkKeys(spec, 'spec', 'spec', warnings);

  const rawSources =
    Array.isArray(spec.sources) && spec.sources.length > 0
      ? spec.sources
      : spec.source !== undefined
        ? [spec.source]
        : [];
  if (rawSources.length === 0)
    throw new ManifestFormatError(`Application/${name}: spec.source or spec.sources is required`);
  if (Array.isArray(spec.sources) && spec.sources.length > 0 && spec.source !== undefined)
    warnings.push('spec.source is ignored because spec.sources is set (as in Argo CD)');
  const sources = rawSources.map((s: unknown, i: number) => {
    const at = Array.isArray(spec.sources) && spec.sources.length > 0 ? `spec.sources[${i}]` : 'spec.source';
    if (!isObject(s)) throw new ManifestFormatError(`Application/${name}: ${at} must be an object`);
    checkKeys(s, 'source', at, warnings);
    for (const sub of ['directory', 'helm', 'kustomize'] as const)
      checkKeys(s[sub], `source.${sub}`, `${at}.${sub}`, warnings);
    requireString(s.repoURL, `${at}.repoURL`, name);
    return s as unknown as App['sources'][number];
  });

  const destination = isObject(spec.destination) ? spec.destination : undefined;
  if (!destination || (typeof destination.name !== 'string' && typeof destination.server !== 'string')) {
    throw new ManifestFormatError(
      `Application/${name}: spec.destination.name or spec.destination.server is required`,
    );
  }
  checkKeys(destination, 'destination', 'spec.destination', warnings);

  const syncPolicy = isObject(spec.syncPolicy) ? spec.syncPolicy : {};
  checkKeys(syncPolicy, 'syncPolicy', 'spec.syncPolicy', warnings);
  checkKeys(syncPolicy.automated, 'syncPolicy.automated', 'spec.syncPolicy.automated', warnings);
  checkKeys(syncPolicy.retry, 'syncPolicy.retry', 'spec.syncPolicy.retry', warnings);
  if (isObject(syncPolicy.retry))
    checkKeys(
      syncPolicy.retry.backoff,
      'syncPolicy.retry.backoff',
      'spec.syncPolicy.retry.backoff',
      warnings,
    );
  checkKeys(
    syncPolicy.managedNamespaceMetadata,
    'syncPolicy.managedNamespaceMetadata',
    'spec.syncPolicy.managedNamespaceMetadata',
    warnings,
  );
  for (const opt of Array.isArray(syncPolicy.syncOptions) ? syncPolicy.syncOptions : []) {
    const key = String(opt).split('=')[0]!.trim();
    if (!supportedSyncOptions.has(key))
      warnings.push(
        `spec.syncPolicy.syncOptions: ${String(opt)} is not supported by Gitferry and is ignored`,
      );
  }

  const ignoreDifferences = Array.isArray(spec.ignoreDifferences) ? spec.ignoreDifferences : [];
  ignoreDifferences.forEach((d: unknown, i: number) =>
    checkKeys(d, 'ignoreDifferences', `spec.ignoreDifferences[${i}]`, warnings),
  );

  const annotations =
    isObject(doc.metadata) && isObject(doc.metadata.annotations)
      ? (doc.metadata.annotations as Record<string, string>)
      : {};
  const limit = spec.revisionHistoryLimit;
  return {
    app: {
      name,
      project: typeof spec.project === 'string' && spec.project ? spec.project : 'default',
      sources,
      destination: destination as App['destination'],
      syncPolicy: syncPolicy as App['syncPolicy'],
      ignoreDifferences: ignoreDifferences as App['ignoreDifferences'],
      revisionHistoryLimit: typeof limit === 'number' && limit >= 0 ? limit : 10,
      annotations,
    },
    warnings,
  };
}

/** Parses an Argo CD AppProject into a Project. */
export function parseAppProject(doc: unknown): Project {
  if (!isObject(doc) || doc.kind !== 'AppProject')
    throw new ManifestFormatError('AppProject: not an AppProject');
  const name = isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : '';
  if (!name) throw new ManifestFormatError('AppProject/?: metadata.name is required');
  const spec = isObject(doc.spec) ? doc.spec : {};
  const list = <T>(v: unknown) => (Array.isArray(v) ? (v as T[]) : []);
  return {
    name,
    sourceRepos: list<string>(spec.sourceRepos),
    destinations: list(spec.destinations),
    clusterResourceWhitelist: Array.isArray(spec.clusterResourceWhitelist)
      ? list(spec.clusterResourceWhitelist)
      : undefined,
    namespaceResourceBlacklist: Array.isArray(spec.namespaceResourceBlacklist)
      ? list(spec.namespaceResourceBlacklist)
      : undefined,
    namespaceResourceWhitelist: Array.isArray(spec.namespaceResourceWhitelist)
      ? list(spec.namespaceResourceWhitelist)
      : undefined,
  };
}
