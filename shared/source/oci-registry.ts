// Helm charts from OCI registries (`oci://registry/path` dependencies, and chart sources whose
// repoURL is a registry), fetched by Gitferry itself over the registry API (OCI distribution spec:
// tags/list, manifests, blobs) rather than by `helm pull`: every request, the token service and
// each redirect (blobs are often served from a storage bucket) go through the guarded client,
// credentials reach only the registry and its token service, sizes are bounded before bytes are
// held, and the chart layer's sha256 is checked against the manifest before it is unpacked.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { SourceError } from './errors.js';
import type { GitCredentials } from './git-http.js';
import { guardedGet, type GuardedGetResult } from './guarded-http.js';
import { defaultChartFetchOptions, unpackChart, type ChartFetchOptions } from './helm-repository.js';
import type { RenderContext } from './render-context.js';
import { checkChartName, checkChartVersion, showValue } from '../domain/tool-args.js';

/** Media types of a Helm chart in a registry (helm's own, and the one of charts pushed before helm 3.8). */
const chartLayerTypes = new Set([
  'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  'application/tar+gzip',
]);
const manifestType = 'application/vnd.oci.image.manifest.v1+json';
/** Bytes of a manifest, a tag list or a token answer: kilobytes in practice. */
const maxMetadataBytes = 4 * 1024 * 1024;
/** OCI distribution's repository name grammar (path components), and its tag grammar. */
const repositoryName = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export interface OciChartRequest {
  /** `oci://host[:port]/path`: the registry and the repository path the chart lives under. */
  repoURL: string;
  chart: string;
  /** A version or constraint, as for a Helm repository; empty or `*` is the newest. */
  version?: string;
  credentials?: GitCredentials;
}

/** A reference as a message may show it: no userinfo, query or fragment (they may hold a token). */
const shownRef = (url: string) =>
  showValue(url.replace(/^([a-z]+:\/\/)[^/?#]*@/i, '$1…@').replace(/[?#][\s\S]*$/, ''));

/** Registry host and repository of a chart, checked: nothing from the URL reaches a path unchecked. */
export function parseOciReference(repoURL: string, chart: string): { host: string; repository: string } {
  const m = /^oci:\/\/([^/?#@\s]+)(\/[^?#\s]*)?$/i.exec(repoURL.trim());
  if (!m)
    throw new SourceError(
      'source:bad-repo-url',
      `OCI registry ${shownRef(repoURL)} must be written oci://host[:port]/path, without credentials, query or fragment`,
    );
  const host = m[1]!.toLowerCase();
  if (
    !/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/.test(
      host,
    )
  )
    throw new SourceError(
      'source:bad-repo-url',
      `OCI registry ${shownRef(repoURL)}: ${showValue(host)} is not a host name`,
    );
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    throw new SourceError(
      'source:bad-repo-url',
      `OCI registry ${shownRef(repoURL)}: port ${port} is out of range`,
    );
  checkChartName(chart);
  const path = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  const repository = path ? `${path}/${chart}` : chart;
  if (!repositoryName.test(repository))
    throw new SourceError(
      'source:bad-repo-url',
      `OCI registry ${shownRef(repoURL)}: repository ${showValue(repository)} is not a valid OCI repository name (lower-case path segments)`,
    );
  return { host, repository };
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

const basic = (c: GitCredentials) =>
  `Basic ${Buffer.from(`${c.username ?? ''}:${c.password}`).toString('base64')}`;

/** A session with one registry: answers auth challenges (Basic, or a Bearer token) once, then reuses them. */
class RegistrySession {
  private authorization: string | undefined;
  readonly base: string;
  constructor(
    readonly host: string,
    readonly repository: string,
    private readonly credentials: GitCredentials | undefined,
    private readonly ctx: RenderContext,
    private readonly o: ChartFetchOptions,
    plainHttp: boolean,
  ) {
    this.base = `${plainHttp ? 'http' : 'https'}://${host}`;
  }

  async get(path: string, what: string, accept: string, maxBytes: number): Promise<GuardedGetResult> {
    const url = `${this.base}${path}`;
    const send = () =>
      guardedGet(url, {
        guard: this.ctx.guard,
        timeoutMs: this.o.timeoutMs,
        maxBytes,
        headers: { accept, ...(this.authorization ? { authorization: this.authorization } : {}) },
        // Blob redirects to storage carry their own signature: the registry's credentials stay here.
        credentialsOrigin: this.base,
        what,
      });
    let res = await send();
    if (res.status === 401 && !this.authorization) {
      this.authorization = await this.answer(
        parseChallenge(String(res.headers['www-authenticate'] ?? '')),
        what,
      );
      if (this.authorization) res = await send();
    }
    if (res.status === 401 || res.status === 403)
      throw new SourceError(
        'source:fetch-failed',
        `${what} oci://${this.host}/${this.repository}: authentication failed (HTTP ${res.status})${this.credentials ? '' : ': the registry wants credentials and none are configured for it'}`,
      );
    return res;
  }

  /** The Authorization header a challenge asks for, or undefined when it cannot be answered. */
  private async answer(challenge: Challenge | undefined, what: string): Promise<string | undefined> {
    if (challenge?.scheme === 'basic') return this.credentials ? basic(this.credentials) : undefined;
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    // The token service (often another host, as Docker Hub's) is a tenant-reachable URL as well.
    const realm = new URL(challenge.params.realm);
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:')
      throw new SourceError(
        'source:fetch-failed',
        `${what}: the registry's token service is not an HTTP URL`,
      );
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', challenge.params.scope ?? `repository:${this.repository}:pull`);
    const res = await guardedGet(realm.toString(), {
      guard: this.ctx.guard,
      timeoutMs: this.o.timeoutMs,
      maxBytes: maxMetadataBytes,
      headers: {
        accept: 'application/json',
        ...(this.credentials ? { authorization: basic(this.credentials) } : {}),
      },
      credentialsOrigin: realm.origin,
      what: `${what} (token)`,
    });
    if (res.status !== 200)
      throw new SourceError(
        'source:fetch-failed',
        `${what} oci://${this.host}/${this.repository}: the registry's token service answered HTTP ${res.status}`,
      );
    const body = parseJson(res.body, `${what} (token)`) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    return typeof token === 'string' && token !== '' ? `Bearer ${token}` : undefined;
  }
}

function parseJson(body: Buffer, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* below */
  }
  throw new SourceError('source:bad-chart', `${what}: the registry's answer is not a JSON object`);
}

function ok(res: GuardedGetResult, what: string, ref: string): void {
  if (res.status === 404)
    throw new SourceError(
      'source:revision-not-found',
      `${what}: ${ref} does not exist in the registry (HTTP 404)`,
    );
  if (res.status !== 200) throw new SourceError('source:fetch-failed', `${what} ${ref}: HTTP ${res.status}`);
}

/** The tag for a version or constraint: an exact version is its own tag (`+` written `_`, as helm does). */
async function pickTag(session: RegistrySession, chart: string, wanted: string | undefined): Promise<string> {
  const spec = (wanted ?? '').trim();
  const ref = `oci://${session.host}/${session.repository}`;
  if (semver.valid(spec, { loose: true }) && tagPattern.test(spec.replace(/\+/g, '_')))
    return spec.replace(/\+/g, '_');
  const what = `listing the versions of chart ${chart}`;
  const res = await session.get(
    `/v2/${session.repository}/tags/list?n=1000`,
    what,
    'application/json',
    maxMetadataBytes,
  );
  ok(res, what, ref);
  const tags = parseJson(res.body, what).tags;
  const versions = (Array.isArray(tags) ? tags : [])
    .filter((t): t is string => typeof t === 'string')
    .map((t) => t.replace(/_/g, '+'))
    .filter((t) => semver.valid(t, { loose: true }));
  const any = spec === '' || spec === '*' || spec === 'latest';
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
      `chart ${chart}: no version in ${ref} matches ${showValue(spec || '*')} (it has ${versions.slice(0, 5).join(', ') || 'none'}${versions.length > 5 ? ', …' : ''})`,
    );
  return best.replace(/\+/g, '_');
}

/** Downloads a chart from an OCI registry into dir and returns the unpacked chart's directory. */
export async function fetchOciChart(
  req: OciChartRequest,
  dir: string,
  ctx: RenderContext,
  options: Partial<ChartFetchOptions> = {},
): Promise<{ chartDir: string; version: string }> {
  const o = { ...defaultChartFetchOptions, ...options };
  if (req.version !== undefined) checkChartVersion(req.version);
  const { host, repository } = parseOciReference(req.repoURL, req.chart);
  const plainHttp = (ctx.ociPlainHttpHosts ?? []).includes(host);
  const session = new RegistrySession(host, repository, req.credentials, ctx, o, plainHttp);
  const tag = await pickTag(session, req.chart, req.version);
  const ref = `oci://${host}/${repository}:${tag}`;
  const what = `chart ${req.chart} ${tag}`;
  const manifestRes = await session.get(
    `/v2/${repository}/manifests/${tag}`,
    what,
    manifestType,
    maxMetadataBytes,
  );
  ok(manifestRes, what, ref);
  const manifest = parseJson(manifestRes.body, `${what} manifest`);
  const layers = Array.isArray(manifest.layers) ? (manifest.layers as Record<string, unknown>[]) : [];
  const layer = layers.find((l) => typeof l.mediaType === 'string' && chartLayerTypes.has(l.mediaType));
  if (!layer)
    throw new SourceError(
      'source:bad-chart',
      `${ref} is not a Helm chart (its manifest has no layer of type ${[...chartLayerTypes][0]})`,
    );
  const digest = String(layer.digest ?? '');
  if (!/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new SourceError(
      'source:bad-chart',
      `${ref}: the chart layer's digest ${showValue(digest)} is not a sha256 digest`,
    );
  if (typeof layer.size === 'number' && layer.size > o.maxArchiveBytes)
    throw new SourceError(
      'source:too-large',
      `${ref}: the chart archive is ${layer.size} bytes, over the limit of ${o.maxArchiveBytes} bytes`,
    );
  const blob = await session.get(
    `/v2/${repository}/blobs/${digest}`,
    what,
    'application/octet-stream',
    o.maxArchiveBytes,
  );
  ok(blob, what, ref);
  if (`sha256:${createHash('sha256').update(blob.body).digest('hex')}` !== digest)
    throw new SourceError(
      'source:bad-chart',
      `${ref}: the chart archive's sha256 does not match its manifest`,
    );
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'chart.tgz');
  await writeFile(file, blob.body);
  const chartDir = await unpackChart(file, join(dir, 'unpacked'), req.chart, ctx);
  return { chartDir, version: tag.replace(/_/g, '+') };
}
