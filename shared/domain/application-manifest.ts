import { dependsOnProblem } from './app-dependencies.js';
import { deliveryAnnotationsProblem } from './delivery-annotations.js';
import { parseSyncWindows } from './sync-window.js';
import { canonicalRepoUrl } from './repo-url.js';
import type { App, Project } from './app.js';
import { GitferryError } from './errors.js';
import { compileGlob } from './glob.js';
import {
  checkApiVersion,
  checkChartName,
  checkChartVersion,
  checkJsonnetLibPath,
  checkJsonnetVariableName,
  checkKubeVersion,
  checkNamespaceName,
  checkReleaseName,
  checkValueKey,
} from './tool-args.js';

export class ManifestFormatError extends GitferryError {
  override name = 'ManifestFormatError';
  constructor(message: string) {
    super('app:invalid', message);
  }
}

/** An AppProject that cannot be accepted; the message names the project and the field. */
export class ProjectFormatError extends GitferryError {
  override name = 'ProjectFormatError';
  constructor(message: string) {
    super('project:invalid', message);
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
  'source.directory': ['recurse', 'include', 'exclude', 'jsonnet'],
  'source.directory.jsonnet': ['extVars', 'tlas', 'libs'],
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

/**
 * The values of a source that reach helm's command line, checked by helm's own rules when the
 * Application is accepted (the renderer checks them again): a clear 422 now, not a failed sync later.
 */
function checkToolValues(s: Record<string, unknown>, at: string, name: string): void {
  const helm = isObject(s.helm) ? s.helm : {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  try {
    if (str(helm.releaseName)) checkReleaseName(helm.releaseName as string, `${at}.helm.releaseName`);
    if (str(helm.namespace)) checkNamespaceName(helm.namespace as string, `${at}.helm.namespace`);
    if (str(helm.kubeVersion)) checkKubeVersion(helm.kubeVersion as string, `${at}.helm.kubeVersion`);
    if (Array.isArray(helm.apiVersions))
      helm.apiVersions.forEach((v, i) => checkApiVersion(v as string, `${at}.helm.apiVersions[${i}]`));
    for (const list of ['parameters', 'fileParameters'] as const)
      if (Array.isArray(helm[list]))
        helm[list].forEach((p, i) =>
          checkValueKey((isObject(p) ? p.name : p) as string, `${at}.helm.${list}[${i}].name`),
        );
    const jsonnet = isObject(s.directory) && isObject(s.directory.jsonnet) ? s.directory.jsonnet : {};
    for (const list of ['extVars', 'tlas'] as const)
      if (Array.isArray(jsonnet[list]))
        jsonnet[list].forEach((v, i) =>
          checkJsonnetVariableName(isObject(v) ? v.name : v, `${at}.directory.jsonnet.${list}[${i}].name`),
        );
    if (Array.isArray(jsonnet.libs))
      jsonnet.libs.forEach((p, i) => checkJsonnetLibPath(p, `${at}.directory.jsonnet.libs[${i}]`));
    if (str(s.chart)) {
      checkChartName(s.chart as string, `${at}.chart`);
      if (str(s.targetRevision)) checkChartVersion(s.targetRevision as string, `${at}.targetRevision`);
    }
  } catch (err) {
    throw new ManifestFormatError(`Application/${name}: ${(err as Error).message}`);
  }
}

/**
 * Argo CD writes a Helm chart in an OCI registry as a repoURL without scheme
 * (`registry-1.docker.io/bitnamicharts`) plus `chart` (the repository secret says `enableOCI`):
 * Gitferry stores it as `oci://registry-1.docker.io/bitnamicharts`.
 */
function ociChartUrl(repoURL: string, chart: unknown): string {
  const bare = repoURL.trim();
  return typeof chart === 'string' &&
    chart !== '' &&
    /^[a-z0-9.-]+(?::\d+)?\/[^:]*$/i.test(bare) &&
    !bare.includes('//')
    ? `oci://${bare}`
    : repoURL;
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
    if (isObject(s.directory))
      checkKeys(s.directory.jsonnet, 'source.directory.jsonnet', `${at}.directory.jsonnet`, warnings);
    requireString(s.repoURL, `${at}.repoURL`, name);
    let repoURL: string;
    try {
      repoURL = canonicalRepoUrl(ociChartUrl(s.repoURL as string, s.chart));
    } catch (err) {
      throw new ManifestFormatError(`Application/${name}: ${at}.repoURL: ${(err as Error).message}`);
    }
    if (repoURL.startsWith('oci://') && !(typeof s.chart === 'string' && s.chart !== ''))
      throw new ManifestFormatError(
        `Application/${name}: ${at}.repoURL: an oci:// registry holds Helm charts: name one in ${at}.chart`,
      );
    checkToolValues(s, at, name);
    // Stored canonical: projects, credential rules, webhooks and the fetch all read this one string.
    return { ...s, repoURL } as unknown as App['sources'][number];
  });
  if (spec.project !== undefined && typeof spec.project !== 'string')
    throw new ManifestFormatError(`Application/${name}: spec.project must be a string`);

  const destination = isObject(spec.destination) ? spec.destination : undefined;
  if (!destination || (typeof destination.name !== 'string' && typeof destination.server !== 'string')) {
    throw new ManifestFormatError(
      `Application/${name}: spec.destination.name or spec.destination.server is required`,
    );
  }
  checkKeys(destination, 'destination', 'spec.destination', warnings);
  for (const key of ['name', 'server', 'namespace'] as const)
    if (destination[key] !== undefined && typeof destination[key] !== 'string')
      throw new ManifestFormatError(`Application/${name}: spec.destination.${key} must be a string`);

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
  // Labels and annotations of a Namespace Gitferry creates: only string maps reach the cluster.
  const managed = syncPolicy.managedNamespaceMetadata;
  if (managed !== undefined) {
    if (!isObject(managed))
      throw new ManifestFormatError(
        `Application/${name}: spec.syncPolicy.managedNamespaceMetadata must be an object`,
      );
    for (const field of ['labels', 'annotations'] as const) {
      const map = managed[field];
      if (map === undefined) continue;
      if (!isObject(map) || Object.values(map).some((v) => typeof v !== 'string'))
        throw new ManifestFormatError(
          `Application/${name}: spec.syncPolicy.managedNamespaceMetadata.${field} must map strings to strings`,
        );
    }
  }
  if (syncPolicy.syncOptions !== undefined && !Array.isArray(syncPolicy.syncOptions))
    throw new ManifestFormatError(`Application/${name}: spec.syncPolicy.syncOptions must be a list`);
  for (const opt of Array.isArray(syncPolicy.syncOptions) ? syncPolicy.syncOptions : []) {
    if (typeof opt !== 'string')
      throw new ManifestFormatError(
        `Application/${name}: spec.syncPolicy.syncOptions must be a list of strings`,
      );
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
  const labels = labelsOf(doc.metadata);
  const dependencyProblem =
    dependsOnProblem(name, annotations) ?? deliveryAnnotationsProblem(name, annotations);
  if (dependencyProblem) throw new ManifestFormatError(`Application/${name}: ${dependencyProblem}`);
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
      ...(labels ? { labels } : {}),
    },
    warnings,
  };
}

/** At most this many labels are kept per app (the UI filters by them); more is an error. */
export const maxAppLabels = 64;

/** metadata.labels as strings (Kubernetes' own limits: keys 317, values 63 characters). */
function labelsOf(metadata: unknown): Record<string, string> | undefined {
  if (!isObject(metadata) || !isObject(metadata.labels)) return undefined;
  const entries = Object.entries(metadata.labels);
  const name = typeof metadata.name === 'string' ? metadata.name : '?';
  if (entries.length > maxAppLabels)
    throw new ManifestFormatError(
      `Application/${name}: metadata.labels has more than ${maxAppLabels} labels`,
    );
  const labels: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || k.length > 317 || v.length > 63)
      throw new ManifestFormatError(
        `Application/${name}: metadata.labels.${k.slice(0, 64)} must be a string of at most 63 characters (keys at most 317)`,
      );
    labels[k] = v;
  }
  return entries.length > 0 ? labels : undefined;
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const globChars = /[*?[\]{}\\]/;

/** Fields of an AppProject's spec Gitferry enforces; others are reported as warnings. */
const projectSpecFields = [
  'description',
  'sourceRepos',
  'destinations',
  'clusterResourceWhitelist',
  'clusterResourceBlacklist',
  'namespaceResourceBlacklist',
  'namespaceResourceWhitelist',
  'roles',
  'syncWindows',
];

export interface ParsedAppProject {
  project: Project;
  /** Fields Gitferry does not support (yet), each named by its path: never silently dropped. */
  warnings: string[];
}

/**
 * Parses and validates an Argo CD AppProject: every field that restricts apps must have the right
 * type and valid globs, or the whole project is refused (ProjectFormatError, naming the field); a
 * project is never accepted half-understood. sourceRepos entries without glob characters are
 * stored as canonical repository URLs; `!*` is refused, as Argo CD refuses it.
 */
export function parseAppProjectManifest(doc: unknown): ParsedAppProject {
  if (!isObject(doc)) throw new ProjectFormatError('AppProject: not an object');
  const rawName = isObject(doc.metadata) ? doc.metadata.name : undefined;
  // An invalid name is still shown (bounded, control characters masked) so the error names it.
  const shownName =
    typeof rawName === 'string' && rawName
      ? rawName.slice(0, 253).replace(/[\u0000-\u001f\u007f]/g, '?')
      : '?';
  const fail = (msg: string) => new ProjectFormatError(`AppProject/${shownName}: ${msg}`);
  if (doc.kind !== 'AppProject')
    throw fail(`kind must be AppProject, got ${String(JSON.stringify(doc.kind)).slice(0, 100)}`);
  if (doc.apiVersion !== undefined && doc.apiVersion !== 'argoproj.io/v1alpha1')
    throw fail(
      `apiVersion must be argoproj.io/v1alpha1, got ${String(JSON.stringify(doc.apiVersion)).slice(0, 100)}`,
    );
  if (typeof rawName !== 'string' || rawName === '') throw fail('metadata.name is required');
  if (rawName.length > 253 || !dnsSubdomain.test(rawName))
    throw fail("metadata.name must be a DNS name (lowercase letters, digits, '-' and '.')");
  const name = rawName;
  if (doc.spec !== undefined && !isObject(doc.spec)) throw fail('spec must be an object');
  const spec = isObject(doc.spec) ? doc.spec : {};
  const warnings = Object.keys(spec)
    .filter((k) => !projectSpecFields.includes(k))
    .map((k) => `spec.${k} is not supported by Gitferry and is ignored`);

  const list = (field: string): unknown[] | undefined => {
    const v = spec[field];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw fail(`spec.${field} must be a list`);
    return v;
  };
  const glob = (value: unknown, at: string, optional = false): string | undefined => {
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string') throw fail(`${at} must be a string`);
    if (value.trim() === '' && !optional) throw fail(`${at} must not be empty`);
    if (value.trim() === '!*') throw fail(`${at}: "!*" is not allowed (it would deny everything)`);
    try {
      compileGlob(value.startsWith('!') ? value.slice(1) : value);
    } catch (err) {
      throw fail(`${at}: ${(err as Error).message}`);
    }
    return value;
  };

  const sourceRepos = (list('sourceRepos') ?? []).map((v, i) => {
    const at = `spec.sourceRepos[${i}]`;
    const pattern = glob(v, at)!.trim();
    const deny = pattern.startsWith('!');
    const body = deny ? pattern.slice(1) : pattern;
    if (globChars.test(body)) return pattern;
    // A plain URL must be one an app could have: canonical, or it could never match.
    try {
      return `${deny ? '!' : ''}${canonicalRepoUrl(body)}`;
    } catch (err) {
      throw fail(`${at}: ${(err as Error).message}`);
    }
  });

  const destinations = (list('destinations') ?? []).map((d, i) => {
    const at = `spec.destinations[${i}]`;
    if (!isObject(d)) throw fail(`${at} must be an object`);
    const out: Project['destinations'][number] = {};
    for (const key of ['name', 'server', 'namespace'] as const) {
      const v = glob(d[key], `${at}.${key}`, true);
      if (v !== undefined) out[key] = v;
    }
    if (out.name === undefined && out.server === undefined) throw fail(`${at}: name or server is required`);
    return out;
  });

  const kinds = (field: string) => {
    const entries = list(field);
    return entries?.map((e, i) => {
      const at = `spec.${field}[${i}]`;
      if (!isObject(e)) throw fail(`${at} must be an object with group and kind`);
      const group = e.group === undefined || e.group === null ? '' : glob(e.group, `${at}.group`, true)!;
      const kind = glob(e.kind, `${at}.kind`)!;
      if (kind.startsWith('!') || group.startsWith('!'))
        throw fail(`${at}: "!" patterns are not supported in resource lists`);
      return { group, kind };
    });
  };

  const strings = (v: unknown, at: string): string[] => {
    if (v === undefined || v === null) return [];
    if (
      !Array.isArray(v) ||
      v.some((x) => typeof x !== 'string' || x.length > 1024 || /[\u0000-\u001f\u007f]/.test(x))
    )
      throw fail(`${at} must be a list of strings (each at most 1024 characters, no control characters)`);
    return v as string[];
  };
  const roles = (list('roles') ?? []).map((r, i) => {
    const at = `spec.roles[${i}]`;
    if (!isObject(r)) throw fail(`${at} must be an object`);
    if (typeof r.name !== 'string' || !/^[a-zA-Z0-9]([-_a-zA-Z0-9]{0,62})$/.test(r.name))
      throw fail(`${at}.name must be letters, digits, '-' or '_' (at most 63)`);
    if (r.jwtTokens !== undefined)
      warnings.push(`${at}.jwtTokens is ignored: Gitferry issues project tokens through its API`);
    return {
      name: r.name,
      ...(typeof r.description === 'string' ? { description: r.description.slice(0, 1024) } : {}),
      policies: strings(r.policies, `${at}.policies`),
      groups: strings(r.groups, `${at}.groups`),
    };
  });
  if (new Set(roles.map((r) => r.name)).size !== roles.length)
    throw fail('spec.roles has two roles of one name');
  const syncWindows = parseSyncWindows(spec.syncWindows, fail);

  return {
    project: {
      name,
      ...(roles.length > 0 ? { roles } : {}),
      sourceRepos,
      destinations,
      clusterResourceWhitelist: kinds('clusterResourceWhitelist'),
      clusterResourceBlacklist: kinds('clusterResourceBlacklist'),
      namespaceResourceBlacklist: kinds('namespaceResourceBlacklist'),
      namespaceResourceWhitelist: kinds('namespaceResourceWhitelist'),
      ...(syncWindows.length > 0 ? { syncWindows } : {}),
    },
    warnings,
  };
}

/** Parses an Argo CD AppProject into a Project (see parseAppProjectManifest). */
export function parseAppProject(doc: unknown): Project {
  return parseAppProjectManifest(doc).project;
}
