import { createHash } from 'node:crypto';
import { credentialScope } from './credential-scope.js';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceError } from './errors.js';
import type { CheckoutStats, GitCheckoutCache } from './git.js';
import { BranchHeadCache, type BranchHeadStats } from './head-cache.js';
import type { GitCredentials } from './git-http.js';
import { renderHelm } from './helm.js';
import { ChartDependencyCache } from './chart-dependency-cache.js';
import { kustomizationFile, renderKustomize } from './kustomize.js';
import { renderDirectory } from './directory.js';
import type { RenderContext } from './render-context.js';
import { resolveInside } from './safe-path.js';
import {
  defaultSourceLimits,
  type AppSource,
  type RenderResult,
  type SourceLimits,
  type SourceType,
} from './types.js';
import { checkUrlAllowed, redactUrl, type UrlGuardOptions } from './url-guard.js';
import type { DocumentCount } from './yaml.js';

/**
 * The chart fetchers (tar, semver and the repository and registry clients) are loaded by the
 * first render that needs them: most renders read no chart, and a Lambda bundle keeps them in a
 * chunk of their own, out of the cold start.
 */
function chartFetchers() {
  return (chartFetchersLoading ??= loadChartFetchers());
}
let chartFetchersLoading: ReturnType<typeof loadChartFetchers> | undefined;

async function loadChartFetchers() {
  // Once, one after the other: Jest's module loader fails parallel imports sharing a dependency.
  const repository = await import('./helm-repository.js');
  const registry = await import('./oci-registry.js');
  const dependencies = await import('./helm-dependencies.js');
  return {
    fetchChart: repository.fetchChart,
    fetchOciChart: registry.fetchOciChart,
    withChartDependencies: dependencies.withChartDependencies,
  };
}

export interface SourceRendererOptions {
  /** Where each render gets its own fresh directory (removed afterwards). */
  workRoot: string;
  /** Paths of the tools; without `jsonnet`, Jsonnet files are refused as unsupported. */
  tools: { helm: string; kustomize: string; jsonnet?: string };
  limits: SourceLimits;
  guard: UrlGuardOptions;
  /** Renders kept, keyed by what they read (see SourceRenderer): many apps on one commit render once. */
  renderCacheEntries: number;
  /** Bytes (as JSON) of the renders kept; one render larger than a quarter of it is not kept. */
  renderCacheBytes: number;
  /** OCI registries (`host:port`) spoken to in plain HTTP rather than HTTPS (default none). */
  ociPlainHttpHosts: string[];
  /** Chart.lock-pinned dependency sets kept on disk under workRoot (default 32). */
  dependencyCacheEntries: number;
  /** Branch heads shared by the apps of this process (default: a BranchHeadCache of its own). */
  heads?: BranchHeadCache;
}

export interface RenderRequest {
  appName: string;
  namespace: string;
  /** `spec.sources` (or `[spec.source]`). */
  sources: AppSource[];
  /** The resolved revision of each source: a commit SHA, or the chart version for Helm-repo charts. */
  revisions: string[];
  kubeVersion?: string;
  apiVersions?: string[];
  credentials?: (repoURL: string) => Promise<GitCredentials | undefined>;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

/** Whether req has what a render read: the same request fields and the same credentials per repository. */
async function sameInputs(inputs: RenderInputs, req: RenderRequest): Promise<boolean> {
  for (const [f, v] of Object.entries(inputs.fields))
    if (JSON.stringify(req[f as IdentityField] ?? null) !== v) return false;
  for (const [url, scope] of inputs.credentials)
    if (credentialScope(await req.credentials?.(url)) !== scope) return false;
  return true;
}

/** Argo CD's detection: explicit options win, then Chart.yaml → Helm, kustomization → Kustomize, else Directory. */
export function detectSourceType(appDir: string, source: AppSource): SourceType {
  if (source.chart || source.helm) return 'Helm';
  if (source.kustomize) return 'Kustomize';
  if (source.directory) return 'Directory';
  if (existsSync(join(appDir, 'Chart.yaml'))) return 'Helm';
  if (kustomizationFile(appDir)) return 'Kustomize';
  return 'Directory';
}

/** Counters for benchmarks and tests: renders asked for, and renders that ran. */
export interface RenderStats {
  requests: number;
  /** Renders that ran (helm, kustomize, directory reads); the rest were answered from the cache. */
  renders: number;
}

export interface SourceStats {
  heads: BranchHeadStats;
  checkouts: CheckoutStats;
  renders: RenderStats & { cached: number; cachedBytes: number };
}

/** Request fields a renderer may read besides the sources and revisions (helm and jsonnet read them). */
const identityFields = ['appName', 'namespace', 'kubeVersion', 'apiVersions'] as const;
type IdentityField = (typeof identityFields)[number];

/**
 * What one render read besides its sources and revisions: the request fields (as JSON), and the
 * credentials (as credentialScope) of every repository it asked credentials for.
 */
interface RenderInputs {
  fields: Partial<Record<IdentityField, string>>;
  credentials: Map<string, string>;
}

interface CachedRender {
  result: Promise<RenderResult>;
  /** Known once the render succeeded. */
  inputs?: RenderInputs;
  bytes: number;
}

/**
 * Turns an app's sources at resolved revisions into desired objects, safely and with a cache
 * shared by all apps: apps whose renders cannot differ share one render.
 *
 * The cache key is the sources (repository, path, every helm, kustomize, directory and plugin
 * option), their revisions and the credentials each repository is read with, plus the request
 * fields the render actually read. Which fields those are is learnt, not guessed: the renderers
 * see the request through getters that note each read (a Helm chart reads the app name, namespace
 * and cluster version; a plain directory or a kustomization reads none), so a thousand apps on one
 * path share a directory render whatever their names and namespaces, and two Helm apps differing
 * in their namespace never share one. A hit is checked against everything its render read before
 * it is used, and every caller gets its own copy of the objects.
 */
export class SourceRenderer {
  private readonly opts: SourceRendererOptions;
  /** `base|identity` → render, least recently used first. */
  private readonly cache = new Map<string, CachedRender>();
  private cachedBytes = 0;
  /** base → the request fields its renders read (a union, should renders of one base ever differ). */
  private readonly shapes = new Map<string, Set<IdentityField>>();
  /** base → the first render of it, in flight: others wait to learn what it reads. */
  private readonly firsts = new Map<string, Promise<unknown>>();
  private readonly dependencyCache: ChartDependencyCache;
  private readonly counters: RenderStats = { requests: 0, renders: 0 };
  /** Branch heads (ls-remote) shared by every app rendered here. */
  readonly heads: BranchHeadCache;

  constructor(
    private readonly checkouts: GitCheckoutCache,
    opts: Partial<SourceRendererOptions> & Pick<SourceRendererOptions, 'workRoot' | 'tools'>,
  ) {
    this.opts = {
      limits: defaultSourceLimits,
      guard: {},
      renderCacheEntries: 4096,
      renderCacheBytes: 32 * 1024 * 1024,
      ociPlainHttpHosts: [],
      dependencyCacheEntries: 32,
      ...opts,
    };
    this.dependencyCache = new ChartDependencyCache(
      join(this.opts.workRoot, 'chart-dependencies'),
      this.opts.dependencyCacheEntries,
    );
    this.heads = this.opts.heads ?? new BranchHeadCache();
  }

  async render(req: RenderRequest): Promise<RenderResult> {
    if (req.sources.length !== req.revisions.length)
      throw new SourceError('source:bad-request', 'one resolved revision is needed per source');
    this.counters.requests++;
    const scopes = await Promise.all(
      req.sources.map(async (s) => credentialScope(await req.credentials?.(s.repoURL))),
    );
    const base = digest([req.sources, req.revisions, scopes]);
    for (;;) {
      const shape = this.shapes.get(base);
      if (!shape) {
        const first = this.firsts.get(base);
        if (first) {
          await first.catch(() => {});
          continue;
        }
        const pending = this.renderAndKeep(req, base);
        this.firsts.set(base, pending);
        try {
          return structuredClone(await pending);
        } finally {
          this.firsts.delete(base);
        }
      }
      const key = `${base}|${digest(identityFields.filter((f) => shape.has(f)).map((f) => req[f] ?? null))}`;
      const hit = this.cache.get(key);
      if (!hit) return structuredClone(await this.renderAndKeep(req, base, key));
      this.cache.delete(key);
      this.cache.set(key, hit); // most recently used last
      let result: RenderResult;
      try {
        result = await hit.result;
      } catch {
        // Another request's render failed; its error may name that app: this one renders itself.
        if (this.cache.get(key) === hit) this.removeEntry(key);
        continue;
      }
      if (await sameInputs(hit.inputs!, req)) return structuredClone(result);
      // It read something this request has otherwise (credentials of a chart dependency's
      // repository, say): rendered anew, and not kept.
      return (await this.renderTracked(req)).result;
    }
  }

  /** What the source side did in this process: heads looked up, commits fetched, renders run. */
  stats(): SourceStats {
    return {
      heads: this.heads.stats(),
      checkouts: this.checkouts.stats(),
      renders: { ...this.counters, cached: this.cache.size, cachedBytes: this.cachedBytes },
    };
  }

  /**
   * Renders req and keeps the result under key (known up front when the base's shape is known,
   * so that equal requests in flight share it), or under the key its reads make.
   */
  private renderAndKeep(req: RenderRequest, base: string, known?: string): Promise<RenderResult> {
    const entry: CachedRender = { result: undefined as never, bytes: 0 };
    entry.result = (async () => {
      const { result, inputs } = await this.renderTracked(req);
      const shape = this.shapes.get(base) ?? new Set<IdentityField>();
      for (const f of Object.keys(inputs.fields) as IdentityField[]) shape.add(f);
      this.shapes.delete(base);
      this.shapes.set(base, shape);
      const key = `${base}|${digest(identityFields.filter((f) => shape.has(f)).map((f) => req[f] ?? null))}`;
      // Kept (and counted) under the key of what it read; the placeholder under `known` goes.
      if (known !== undefined && this.cache.get(known) === entry) this.cache.delete(known);
      entry.inputs = inputs;
      entry.bytes = JSON.stringify(result).length;
      if (entry.bytes <= this.opts.renderCacheBytes / 4) {
        this.removeEntry(key);
        this.cache.set(key, entry);
        this.cachedBytes += entry.bytes;
        this.evict();
      }
      return result;
    })();
    if (known !== undefined) this.cache.set(known, entry);
    entry.result.catch(() => {
      if (known !== undefined && this.cache.get(known) === entry) this.removeEntry(known);
    });
    return entry.result;
  }

  /** Removes what key holds: a kept render (counted), or a render in flight (not counted yet). */
  private removeEntry(key: string): void {
    const entry = this.cache.get(key);
    if (!entry) return;
    this.cache.delete(key);
    if (entry.inputs) this.cachedBytes -= entry.bytes;
  }

  private evict(): void {
    while (
      this.cache.size > this.opts.renderCacheEntries ||
      (this.cachedBytes > this.opts.renderCacheBytes && this.cache.size > 0)
    ) {
      this.removeEntry(this.cache.keys().next().value!);
    }
    while (this.shapes.size > this.opts.renderCacheEntries)
      this.shapes.delete(this.shapes.keys().next().value!);
  }

  /** One render, noting what it read of the request (see the class comment). */
  private async renderTracked(req: RenderRequest): Promise<{ result: RenderResult; inputs: RenderInputs }> {
    const inputs: RenderInputs = { fields: {}, credentials: new Map() };
    const read = <F extends IdentityField>(f: F): RenderRequest[F] => {
      inputs.fields[f] = JSON.stringify(req[f] ?? null);
      return req[f];
    };
    const seen: RenderRequest = {
      sources: req.sources,
      revisions: req.revisions,
      get appName() {
        return read('appName');
      },
      get namespace() {
        return read('namespace');
      },
      get kubeVersion() {
        return read('kubeVersion');
      },
      get apiVersions() {
        return read('apiVersions');
      },
      credentials: async (repoURL: string) => {
        const credentials = await req.credentials?.(repoURL);
        inputs.credentials.set(repoURL, credentialScope(credentials));
        return credentials;
      },
    };
    this.counters.renders++;
    const result = await this.renderUncached(seen);
    return { result, inputs };
  }

  private async renderUncached(req: RenderRequest): Promise<RenderResult> {
    await mkdir(this.opts.workRoot, { recursive: true, mode: 0o711 });
    const renderDir = await mkdtemp(join(this.opts.workRoot, 'render-'));
    try {
      // Every git source is checked out (and pinned) first, so `$ref/…` value files can be read.
      const gitSources = req.sources.map((s, i) => ({ s, i })).filter(({ s }) => !s.chart);
      const dirs = new Map<number, string>();
      const withAll = async (k: number): Promise<RenderResult> => {
        if (k === gitSources.length) return this.renderSources(req, dirs, renderDir);
        const { s, i } = gitSources[k]!;
        await checkUrlAllowed(s.repoURL, this.opts.guard);
        const credentials = await req.credentials?.(s.repoURL);
        return this.checkouts.withCheckout(
          s.repoURL,
          req.revisions[i]!,
          async (dir) => {
            dirs.set(i, dir);
            return withAll(k + 1);
          },
          { credentials, guard: this.opts.guard },
          { targetRevision: s.targetRevision },
        );
      };
      return await withAll(0);
    } finally {
      await rm(renderDir, { recursive: true, force: true });
    }
  }

  private async renderSources(
    req: RenderRequest,
    dirs: Map<number, string>,
    renderDir: string,
  ): Promise<RenderResult> {
    const refs = new Map<string, string>();
    req.sources.forEach((s, i) => s.ref && dirs.has(i) && refs.set(s.ref, dirs.get(i)!));
    const out: RenderResult = { objects: [], sourceType: 'Directory', warnings: [] };
    const rendered = req.sources
      .map((s, i) => ({ s, i }))
      // A source that only names a ref (no path, no chart) provides files to others and renders nothing.
      .filter(({ s }) => !(s.ref && s.path === undefined && !s.chart));
    if (rendered.length === 0)
      throw new SourceError(
        'source:bad-request',
        `app ${req.appName}: no source renders anything (only refs)`,
      );
    // One budget of documents and nodes for the whole render, whatever the number of sources.
    const count: DocumentCount = { documents: 0, nodes: 0 };
    for (const { s, i } of rendered) {
      const dir = join(renderDir, `source-${i}`);
      await mkdir(dir);
      // Getters: a renderer that never reads the app's identity or cluster does not depend on them.
      const ctx: RenderContext = {
        get appName() {
          return req.appName;
        },
        get namespace() {
          return req.namespace;
        },
        get kubeVersion() {
          return req.kubeVersion;
        },
        get apiVersions() {
          return req.apiVersions;
        },
        tools: this.opts.tools,
        limits: this.opts.limits,
        count,
        renderDir: dir,
        refs,
        guard: this.opts.guard,
        credentials: req.credentials,
        ociPlainHttpHosts: this.opts.ociPlainHttpHosts,
        dependencyCache: this.dependencyCache,
      };
      const result = s.chart
        ? await this.renderChart(s, req.revisions[i]!, ctx, await req.credentials?.(s.repoURL))
        : await this.renderGitSource(s, dirs.get(i)!, ctx);
      out.objects.push(...result.objects);
      out.warnings.push(...result.warnings);
      out.sourceType = result.sourceType;
    }
    return out;
  }

  private async renderChart(
    s: AppSource,
    version: string,
    ctx: RenderContext,
    credentials: GitCredentials | undefined,
  ): Promise<RenderResult> {
    const oci = /^oci:\/\//i.test(s.repoURL);
    // Refused here, before anything is fetched; every request is checked again as it is sent.
    await checkUrlAllowed(oci ? s.repoURL.replace(/^oci:/i, 'https:') : s.repoURL, ctx.guard);
    const { fetchChart, fetchOciChart, withChartDependencies } = await chartFetchers();
    const chart = oci
      ? await fetchOciChart(
          { repoURL: s.repoURL, chart: s.chart!, version, credentials },
          join(ctx.renderDir, 'chart'),
          ctx,
        )
      : await fetchChart(
          {
            repoURL: s.repoURL,
            chart: s.chart!,
            version,
            credentials,
            passCredentials: s.helm?.passCredentials,
          },
          join(ctx.renderDir, 'chart'),
          ctx,
        );
    const label = `chart ${s.chart} ${chart.version}`;
    return renderHelm(
      await withChartDependencies(chart.chartDir, chart.chartDir, label, ctx, ctx.credentials),
      chart.chartDir,
      '',
      s.helm ?? {},
      ctx,
      `chart ${s.chart} ${chart.version}`,
    );
  }

  private async renderGitSource(s: AppSource, checkout: string, ctx: RenderContext): Promise<RenderResult> {
    const path = s.path ?? '';
    const appDir = await resolveInside(checkout, path, 'app path');
    if (!existsSync(appDir)) {
      throw new SourceError(
        'source:missing-path',
        `${redactUrl(s.repoURL)}: path "${path}" does not exist at this revision`,
      );
    }
    const type = detectSourceType(appDir, s);
    if (s.plugin)
      throw new SourceError(
        'source:unsupported',
        'source.plugin (config management plugins) is not supported',
      );
    if (type === 'Directory')
      return renderDirectory(
        appDir,
        s.directory ?? {},
        ctx.limits,
        checkout,
        ctx.count,
        ctx.tools.jsonnet
          ? {
              bin: ctx.tools.jsonnet,
              renderDir: ctx.renderDir,
              // Read only when a .jsonnet file is evaluated.
              get appName() {
                return ctx.appName;
              },
              get namespace() {
                return ctx.namespace;
              },
            }
          : undefined,
      );
    if (type === 'Helm') {
      const { withChartDependencies } = await chartFetchers();
      const chartDir = await withChartDependencies(appDir, checkout, path || '.', ctx, ctx.credentials);
      return renderHelm(chartDir, checkout, path, s.helm ?? {}, ctx);
    }
    // kustomize edits the kustomization to apply the app's options: it works on its own copy.
    const copy = join(ctx.renderDir, 'repo');
    await cp(checkout, copy, { recursive: true, verbatimSymlinks: true });
    return renderKustomize(copy, join(copy, path), path, s.kustomize ?? {}, ctx);
  }
}
