import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceError } from './errors.js';
import type { GitCheckoutCache } from './git.js';
import type { GitCredentials } from './git-http.js';
import { renderHelm } from './helm.js';
import { fetchChart } from './helm-repository.js';
import { ChartDependencyCache, withChartDependencies } from './helm-dependencies.js';
import { fetchOciChart } from './oci-registry.js';
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

export interface SourceRendererOptions {
  /** Where each render gets its own fresh directory (removed afterwards). */
  workRoot: string;
  /** Paths of the tools; without `jsonnet`, Jsonnet files are refused as unsupported. */
  tools: { helm: string; kustomize: string; jsonnet?: string };
  limits: SourceLimits;
  guard: UrlGuardOptions;
  /** Renders kept, keyed by (sources, revisions, options): many apps on one commit render once. */
  renderCacheEntries: number;
  /** OCI registries (`host:port`) spoken to in plain HTTP rather than HTTPS (default none). */
  ociPlainHttpHosts: string[];
  /** Chart.lock-pinned dependency sets kept on disk under workRoot (default 32). */
  dependencyCacheEntries: number;
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

/** Argo CD's detection: explicit options win, then Chart.yaml → Helm, kustomization → Kustomize, else Directory. */
export function detectSourceType(appDir: string, source: AppSource): SourceType {
  if (source.chart || source.helm) return 'Helm';
  if (source.kustomize) return 'Kustomize';
  if (source.directory) return 'Directory';
  if (existsSync(join(appDir, 'Chart.yaml'))) return 'Helm';
  if (kustomizationFile(appDir)) return 'Kustomize';
  return 'Directory';
}

/** Turns an app's sources at resolved revisions into desired objects, safely and with a cache. */
export class SourceRenderer {
  private readonly opts: SourceRendererOptions;
  private readonly cache = new Map<string, Promise<RenderResult>>();
  private readonly dependencyCache: ChartDependencyCache;

  constructor(
    private readonly checkouts: GitCheckoutCache,
    opts: Partial<SourceRendererOptions> & Pick<SourceRendererOptions, 'workRoot' | 'tools'>,
  ) {
    this.opts = {
      limits: defaultSourceLimits,
      guard: {},
      renderCacheEntries: 64,
      ociPlainHttpHosts: [],
      dependencyCacheEntries: 32,
      ...opts,
    };
    this.dependencyCache = new ChartDependencyCache(
      join(this.opts.workRoot, 'chart-dependencies'),
      this.opts.dependencyCacheEntries,
    );
  }

  render(req: RenderRequest): Promise<RenderResult> {
    if (req.sources.length !== req.revisions.length)
      throw new SourceError('source:bad-request', 'one resolved revision is needed per source');
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          req.appName,
          req.namespace,
          req.sources,
          req.revisions,
          req.kubeVersion,
          req.apiVersions,
        ]),
      )
      .digest('hex');
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit); // most recently used last
      return hit;
    }
    const pending = this.renderUncached(req);
    this.cache.set(key, pending);
    pending.catch(() => this.cache.delete(key));
    while (this.cache.size > this.opts.renderCacheEntries) this.cache.delete(this.cache.keys().next().value!);
    return pending;
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
      const ctx: RenderContext = {
        appName: req.appName,
        namespace: req.namespace,
        kubeVersion: req.kubeVersion,
        apiVersions: req.apiVersions,
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
              appName: ctx.appName,
              namespace: ctx.namespace,
            }
          : undefined,
      );
    if (type === 'Helm') {
      const chartDir = await withChartDependencies(appDir, checkout, path || '.', ctx, ctx.credentials);
      return renderHelm(chartDir, checkout, path, s.helm ?? {}, ctx);
    }
    // kustomize edits the kustomization to apply the app's options: it works on its own copy.
    const copy = join(ctx.renderDir, 'repo');
    await cp(checkout, copy, { recursive: true, verbatimSymlinks: true });
    return renderKustomize(copy, join(copy, path), path, s.kustomize ?? {}, ctx);
  }
}
