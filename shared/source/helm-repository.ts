// Charts from HTTP(S) Helm repositories, fetched by Gitferry itself rather than by `helm pull`:
// helm follows the chart URLs of a repository's index.yaml to any host, its own guard-free client
// would reach the metadata service or the VPC for a tenant (issue 10, class 2). Here the index and
// the archive go through the guarded HTTP client (every URL and redirect vetted, credentials only
// to the repository's origin unless passCredentials), within byte limits, and the archive is
// unpacked with only regular files and directories, inside the render's own directory.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import * as tar from 'tar';
import { parse } from 'yaml';
import { SourceError } from './errors.js';
import type { GitCredentials } from './git-http.js';
import { guardedGet } from './guarded-http.js';
import type { RenderContext } from './render-context.js';
import { checkChartName, checkChartVersion, showValue } from '../domain/tool-args.js';
import { redactUrl, type UrlGuardOptions } from './url-guard.js';

export interface ChartFetchOptions {
  /** Bytes of index.yaml (default 32 MiB; large public indexes are about 10 MiB). */
  maxIndexBytes: number;
  /** Bytes of the chart archive as downloaded (default 32 MiB). */
  maxArchiveBytes: number;
  /** Per request: no answer or no progress for this long fails the fetch (default 60 s). */
  timeoutMs: number;
}

export const defaultChartFetchOptions: ChartFetchOptions = {
  maxIndexBytes: 32 * 1024 * 1024,
  maxArchiveBytes: 32 * 1024 * 1024,
  timeoutMs: 60_000,
};

export interface ChartRequest {
  repoURL: string;
  chart: string;
  /** A version or constraint (`1.2.3`, `^1.2`, `>=1.0, <2.0`); empty or `*` is the newest release. */
  version?: string;
  credentials?: GitCredentials;
  /** Send the credentials to chart URLs on other hosts too (Argo CD's helm.passCredentials). */
  passCredentials?: boolean;
}

interface IndexEntry {
  version?: unknown;
  urls?: unknown;
  digest?: unknown;
}

/** A GET through the guard that must answer 200; credentials (Basic) only to credentialsOrigin. */
async function get(
  url: string,
  what: string,
  o: ChartFetchOptions & { guard: UrlGuardOptions; maxBytes: number },
  credentials: GitCredentials | undefined,
  credentialsOrigin: string,
): Promise<Buffer> {
  const headers: Record<string, string> = { accept: '*/*' };
  if (credentials)
    headers.authorization = `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password}`).toString('base64')}`;
  const res = await guardedGet(url, {
    guard: o.guard,
    timeoutMs: o.timeoutMs,
    maxBytes: o.maxBytes,
    headers,
    credentialsOrigin,
    what,
  });
  if (res.status !== 200) {
    const why =
      res.status === 401 || res.status === 403
        ? `authentication failed (HTTP ${res.status})`
        : `HTTP ${res.status}`;
    throw new SourceError('source:fetch-failed', `${what} ${redactUrl(url)}: ${why}`);
  }
  return res.body;
}

/** Picks the index entry for a version or constraint, as helm does (no pre-releases unless asked). */
export function pickChartVersion(
  entries: IndexEntry[],
  chart: string,
  wanted: string | undefined,
): IndexEntry {
  const spec = (wanted ?? '').trim();
  const exact = entries.find((e) => e.version === spec || e.version === `v${spec}`);
  if (exact) return exact;
  const versions = entries
    .map((e) => (typeof e.version === 'string' ? semver.valid(e.version, { loose: true }) : null))
    .filter((v): v is string => v !== null);
  const any = spec === '' || spec === '*' || spec === 'latest';
  // helm's constraints join with commas for "and"; npm's semver with spaces.
  const range = any ? '*' : semver.validRange(spec.replace(/,/g, ' '), { loose: true });
  if (range === null)
    throw new SourceError(
      'source:bad-revision',
      `chart ${chart}: version ${showValue(spec)} is neither a version of the chart nor a constraint`,
    );
  const best = semver.maxSatisfying(versions, range, { loose: true, includePrerelease: /-/.test(spec) });
  if (!best)
    throw new SourceError(
      'source:revision-not-found',
      `chart ${chart}: no version matches ${showValue(spec || '*')} (the repository has ${versions.slice(0, 5).join(', ') || 'none'}${versions.length > 5 ? ', …' : ''})`,
    );
  return entries.find(
    (e) => typeof e.version === 'string' && semver.valid(e.version, { loose: true }) === best,
  )!;
}

/**
 * Unpacks a chart archive into dir: regular files and directories only (no links, devices or
 * absolute paths), within the file and byte limits checked on a first pass that writes nothing.
 * Returns the chart's directory (the archive's single top-level folder).
 */
export async function unpackChart(
  archive: string,
  dir: string,
  chart: string,
  ctx: RenderContext,
): Promise<string> {
  let files = 0;
  let bytes = 0;
  const tops = new Set<string>();
  const bad: string[] = [];
  await tar
    .t({
      file: archive,
      onReadEntry: (entry) => {
        files++;
        bytes += entry.size ?? 0;
        const path = entry.path;
        if (path.startsWith('/') || path.split('/').includes('..')) bad.push(path);
        else if (entry.type !== 'File' && entry.type !== 'Directory' && entry.type !== 'OldFile')
          bad.push(path);
        tops.add(path.split('/')[0]!);
        entry.resume();
      },
    })
    .catch((err: unknown) => {
      throw new SourceError(
        'source:bad-chart',
        `chart ${chart}: the archive cannot be read: ${(err as Error).message}`,
        { cause: err },
      );
    });
  if (files > ctx.limits.maxFiles || bytes > ctx.limits.maxBytes)
    throw new SourceError(
      'source:too-large',
      `chart ${chart}: the archive holds ${files} files and ${bytes} bytes, over the limit of ${ctx.limits.maxFiles} files or ${ctx.limits.maxBytes} bytes`,
    );
  if (bad.length)
    throw new SourceError(
      'source:bad-chart',
      `chart ${chart}: the archive holds entries that are not plain files inside the chart: ${bad.slice(0, 3).map(showValue).join(', ')}`,
    );
  if (tops.size !== 1)
    throw new SourceError(
      'source:bad-chart',
      `chart ${chart}: the archive must hold one top-level directory, it holds ${tops.size}`,
    );
  await mkdir(dir, { recursive: true });
  await tar.x({
    file: archive,
    cwd: dir,
    strict: true,
    preservePaths: false,
    noChmod: true,
    filter: (_path, entry) =>
      'type' in entry && (entry.type === 'File' || entry.type === 'Directory' || entry.type === 'OldFile'),
  });
  return join(dir, [...tops][0]!);
}

/** Downloads a chart from a Helm repository into dir and returns the unpacked chart's directory. */
export async function fetchChart(
  req: ChartRequest,
  dir: string,
  ctx: RenderContext,
  options: Partial<ChartFetchOptions> = {},
): Promise<{ chartDir: string; version: string }> {
  const o = { ...defaultChartFetchOptions, ...options };
  checkChartName(req.chart);
  if (req.version !== undefined) checkChartVersion(req.version);
  const base = req.repoURL.replace(/\/+$/, '');
  const repoOrigin = new URL(base).origin;
  const indexUrl = `${base}/index.yaml`;
  const indexText = (
    await get(
      indexUrl,
      'Helm repository index',
      { ...o, guard: ctx.guard, maxBytes: o.maxIndexBytes },
      req.credentials,
      repoOrigin,
    )
  ).toString('utf8');
  let index: { entries?: Record<string, unknown> };
  try {
    index = (parse(indexText, { maxAliasCount: 100, uniqueKeys: false }) ?? {}) as typeof index;
  } catch (err) {
    throw new SourceError(
      'source:bad-yaml',
      `Helm repository index ${redactUrl(indexUrl)}: ${(err as Error).message}`,
    );
  }
  const list =
    index?.entries && Object.hasOwn(index.entries, req.chart) ? index.entries[req.chart] : undefined;
  if (!Array.isArray(list) || list.length === 0)
    throw new SourceError(
      'source:revision-not-found',
      `chart ${req.chart} is not in the Helm repository ${redactUrl(base)}`,
    );
  const entry = pickChartVersion(list as IndexEntry[], req.chart, req.version);
  const version = String(entry.version);
  const first = Array.isArray(entry.urls) ? entry.urls[0] : undefined;
  if (typeof first !== 'string' || first === '')
    throw new SourceError(
      'source:bad-chart',
      `chart ${req.chart} ${version}: the repository index gives no download URL`,
    );
  const archiveUrl = new URL(first, `${base}/`).toString();
  // Credentials go to the repository's own origin only, unless the app asks to pass them on.
  const archive = await get(
    archiveUrl,
    `chart ${req.chart} ${version}`,
    { ...o, guard: ctx.guard, maxBytes: o.maxArchiveBytes },
    req.credentials,
    req.passCredentials ? new URL(archiveUrl).origin : repoOrigin,
  );
  if (typeof entry.digest === 'string' && /^[0-9a-f]{64}$/i.test(entry.digest)) {
    const actual = createHash('sha256').update(archive).digest('hex');
    if (actual !== entry.digest.toLowerCase())
      throw new SourceError(
        'source:bad-chart',
        `chart ${req.chart} ${version}: the archive's sha256 does not match the repository index`,
      );
  }
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'chart.tgz');
  await writeFile(file, archive);
  const chartDir = await unpackChart(file, join(dir, 'unpacked'), req.chart, ctx);
  return { chartDir, version };
}
