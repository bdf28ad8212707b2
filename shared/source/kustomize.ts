import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { SourceError } from './errors.js';
import { resolveInside } from './safe-path.js';
import { runTool } from './tool-runner.js';
import { showValue } from '../domain/tool-args.js';
import type { KustomizeOptions, RenderResult } from './types.js';
import { parseManifests } from './yaml.js';
import type { RenderContext } from './render-context.js';

export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function kustomizationFile(dir: string): string | undefined {
  return kustomizationFileNames.map((n) => join(dir, n)).find((f) => existsSync(f));
}

/**
 * Values kustomize would fetch from the network, or from outside the repository, by itself: any
 * `scheme:` (https://, git::, gh:, file://, ssh://), scp-like `git@host:org/repo`, and the
 * `host.tld/org/repo//path?ref=…` forms its repospec parser accepts.
 */
export function isRemoteReference(entry: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:/i.test(entry)) return true;
  if (/^[^/\s]+@[^/\s]+:/.test(entry)) return true;
  if (/^(github\.com|gitlab\.com|bitbucket\.org)\//i.test(entry)) return true;
  return (
    /^[\w-]+(\.[\w-]+)+\//.test(entry) &&
    (entry.includes('?ref=') || entry.includes('//') || /\.git(\/|$)/.test(entry))
  );
}

/** A place in a kustomization that names something to load, and whether it may be a directory. */
interface Reference {
  field: string;
  value: string;
  mayBeDirectory: boolean;
}

const record = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const items = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Every value in a kustomization that kustomize loads as a path or URL (kustomize's types.Kustomization):
 * bases, resources, components, generators, transformers and validators (directories or files);
 * patch, replacement, generator source, openapi, crd and configuration files.
 */
function referencesOf(k: Record<string, unknown>): Reference[] {
  const out: Reference[] = [];
  const add = (field: string, value: unknown, mayBeDirectory: boolean) => {
    if (typeof value === 'string') out.push({ field, value, mayBeDirectory });
  };
  for (const field of ['resources', 'bases', 'components', 'generators', 'transformers', 'validators'])
    items(k[field]).forEach((v, i) => add(`${field}[${i}]`, v, true));
  for (const field of ['crds', 'configurations'])
    items(k[field]).forEach((v, i) => add(`${field}[${i}]`, v, false));
  // A one-line entry is a file; an inline patch spans lines.
  items(k.patchesStrategicMerge).forEach(
    (v, i) => typeof v === 'string' && !v.includes('\n') && add(`patchesStrategicMerge[${i}]`, v, false),
  );
  for (const field of ['patches', 'patchesJson6902', 'replacements'])
    items(k[field]).forEach((v, i) => add(`${field}[${i}].path`, record(v).path, false));
  for (const field of ['configMapGenerator', 'secretGenerator'])
    items(k[field]).forEach((v, i) => {
      const g = record(v);
      // `files` entries are `path` or `key=path`.
      items(g.files).forEach((f, j) =>
        add(`${field}[${i}].files[${j}]`, typeof f === 'string' ? f.slice(f.indexOf('=') + 1) : f, false),
      );
      items(g.envs).forEach((f, j) => add(`${field}[${i}].envs[${j}]`, f, false));
      add(`${field}[${i}].env`, g.env, false);
    });
  add('openapi.path', record(k.openapi).path, false);
  return out;
}

/**
 * Walks the kustomization and every local base or component it uses: nothing may be fetched from
 * the network (remote bases, URLs in patches or generators, git::, gh:, ssh forms) and every path
 * must stay inside the repository (no `..` out, no symlink out). Catches cycles. Helm inflation
 * (helmCharts) is refused: it would run helm with its own network access.
 */
async function checkKustomizationTree(
  repoRoot: string,
  dir: string,
  seen = new Set<string>(),
): Promise<void> {
  if (seen.has(dir)) return;
  seen.add(dir);
  const file = kustomizationFile(dir);
  if (!file) return;
  const where = relative(repoRoot, file) || file;
  let k: Record<string, unknown>;
  try {
    k = record(parse(await readFile(file, 'utf8'), { maxAliasCount: 100 }));
  } catch (err) {
    throw new SourceError('source:bad-yaml', `${where}: ${(err as Error).message}`);
  }
  for (const field of ['helmCharts', 'helmChartInflationGenerator']) {
    if (items(k[field]).length > 0)
      throw new SourceError(
        'source:unsupported',
        `${where}: ${field} is not supported (kustomize would run helm with network access); use a Helm source for the chart`,
      );
  }
  for (const ref of referencesOf(k)) {
    if (isRemoteReference(ref.value))
      throw new SourceError(
        'source:remote-base',
        `${where}: ${ref.field} ${showValue(ref.value)} is remote; kustomize may not fetch anything itself, vendor it into the repository`,
      );
    if (isAbsolute(ref.value))
      throw new SourceError(
        'source:path-escape',
        `${where}: ${ref.field} ${showValue(ref.value)} is an absolute path; use a path inside the repository`,
      );
    const target = await resolveInside(
      repoRoot,
      join(relative(repoRoot, dir), ref.value),
      `${where} ${ref.field}`,
    );
    if (ref.mayBeDirectory && existsSync(target) && statSync(target).isDirectory())
      await checkKustomizationTree(repoRoot, target, seen);
  }
}

/** `name=newName:tag`, `name:tag`, `name@digest` → a kustomize `images` entry. */
export function parseImageOverride(spec: string): Record<string, string> {
  const [lhs, rhs] = spec.includes('=') ? (spec.split('=', 2) as [string, string]) : [undefined, spec];
  const at = rhs.indexOf('@');
  const colon = rhs.lastIndexOf(':');
  const imageRef = at >= 0 ? rhs.slice(0, at) : colon > rhs.lastIndexOf('/') ? rhs.slice(0, colon) : rhs;
  const out: Record<string, string> = { name: lhs ?? imageRef };
  if (lhs && imageRef !== lhs) out.newName = imageRef;
  if (at >= 0) out.digest = rhs.slice(at + 1);
  else if (colon > rhs.lastIndexOf('/')) out.newTag = rhs.slice(colon + 1);
  return out;
}

/** Applies the Application's kustomize options to the kustomization file (in the render's own copy). */
async function applyOptions(dir: string, opts: KustomizeOptions): Promise<void> {
  const file = kustomizationFile(dir)!;
  const k = (parse(await readFile(file, 'utf8')) ?? {}) as Record<string, unknown>;
  const list = (key: string) => (Array.isArray(k[key]) ? (k[key] as unknown[]) : []);
  if (opts.namePrefix) k.namePrefix = `${opts.namePrefix}${(k.namePrefix as string | undefined) ?? ''}`;
  if (opts.nameSuffix) k.nameSuffix = `${(k.nameSuffix as string | undefined) ?? ''}${opts.nameSuffix}`;
  if (opts.namespace) k.namespace = opts.namespace;
  if (opts.images?.length) {
    const overrides = opts.images.map(parseImageOverride);
    k.images = [
      ...list('images').filter((i) => !overrides.some((o) => o.name === (i as { name?: string }).name)),
      ...overrides,
    ];
  }
  if (opts.commonLabels && Object.keys(opts.commonLabels).length) {
    k.labels = [
      ...list('labels'),
      { pairs: opts.commonLabels, includeSelectors: true, includeTemplates: true },
    ];
  }
  if (opts.commonAnnotations && Object.keys(opts.commonAnnotations).length) {
    k.commonAnnotations = {
      ...((k.commonAnnotations as Record<string, string> | undefined) ?? {}),
      ...opts.commonAnnotations,
    };
  }
  if (opts.replicas?.length) {
    const overrides = opts.replicas.map((r) => ({ name: r.name, count: Number(r.count) }));
    k.replicas = [
      ...list('replicas').filter((r) => !overrides.some((o) => o.name === (r as { name?: string }).name)),
      ...overrides,
    ];
  }
  if (opts.patches?.length) k.patches = [...list('patches'), ...opts.patches];
  if (opts.components?.length) k.components = [...list('components'), ...opts.components];
  await writeFile(file, stringify(k));
}

/**
 * `kustomize build` of an app directory in the render's own copy of the repository, with the
 * Application's kustomize options applied first, remote bases refused, paths kept inside.
 */
export async function renderKustomize(
  repoCopy: string,
  appDir: string,
  appPath: string,
  opts: KustomizeOptions,
  ctx: RenderContext,
): Promise<RenderResult> {
  if (!kustomizationFile(appDir)) {
    throw new SourceError('source:missing-file', `${appPath || '.'}: no kustomization.yaml in the app path`);
  }
  await applyOptions(appDir, opts);
  await checkKustomizationTree(repoCopy, appDir);
  for (const c of opts.components ?? []) {
    if (isAbsolute(c))
      throw new SourceError(
        'source:path-escape',
        `kustomize component "${c}": absolute paths are not allowed`,
      );
    await resolveInside(repoCopy, join(appPath, c), `kustomize component ${c}`);
  }
  const output = await runTool({
    bin: ctx.tools.kustomize,
    args: ['build', '--load-restrictor=LoadRestrictionsRootOnly', '--', appDir],
    cwd: dirname(appDir),
    home: join(ctx.renderDir, '.home'),
    timeoutMs: ctx.limits.timeoutMs,
    maxOutputBytes: ctx.limits.maxBytes,
    what: `kustomize build of ${appPath || '.'}`,
  });
  const objects = parseManifests(output, `kustomize build ${appPath}`, ctx.limits, ctx.count).map(
    ({ object }) => ({
      object,
      source: `${appPath || '.'} (kustomize)`,
    }),
  );
  return { objects, sourceType: 'Kustomize', warnings: [] };
}
