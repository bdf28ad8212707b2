import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { SourceError } from './errors.js';
import { resolveInside } from './safe-path.js';
import { runTool } from './tool-runner.js';
import type { KustomizeOptions, RenderResult } from './types.js';
import { parseManifests } from './yaml.js';
import type { RenderContext } from './render-context.js';

export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function kustomizationFile(dir: string): string | undefined {
  return kustomizationFileNames.map((n) => join(dir, n)).find((f) => existsSync(f));
}

/** Entries that kustomize would fetch from the network: URLs, `github.com/org/repo//path`, `git@…`. */
function isRemote(entry: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^git@/.test(entry)) return true;
  if (/^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry)) return true;
  // host.tld/org/repo//path?ref=… is kustomize's remote form; a plain local dir rarely looks like it.
  return (
    /^[\w-]+(\.[\w-]+)+\//.test(entry) &&
    (entry.includes('?ref=') || entry.includes('//') || entry.includes('.git'))
  );
}

interface Kustomization {
  resources?: string[];
  bases?: string[];
  components?: string[];
  [key: string]: unknown;
}

/**
 * Walks the kustomization and every local base or component it uses: each must stay inside the
 * repository (no `..` out, no symlink out), and remote ones are refused unless allowed. Catches
 * cycles. kustomize's own load restrictor covers files (patches, generators) within a base.
 */
async function checkKustomizationTree(
  repoRoot: string,
  dir: string,
  ctx: RenderContext,
  seen = new Set<string>(),
): Promise<void> {
  if (seen.has(dir)) return;
  seen.add(dir);
  const file = kustomizationFile(dir);
  if (!file) return;
  const where = relative(repoRoot, file) || file;
  let k: Kustomization;
  try {
    k = (parse(await readFile(file, 'utf8'), { maxAliasCount: 100 }) ?? {}) as Kustomization;
  } catch (err) {
    throw new SourceError('source:bad-yaml', `${where}: ${(err as Error).message}`);
  }
  for (const entry of [...(k.resources ?? []), ...(k.bases ?? []), ...(k.components ?? [])]) {
    if (typeof entry !== 'string') continue;
    if (isRemote(entry)) {
      if (ctx.allowRemoteBases) continue;
      throw new SourceError(
        'source:remote-base',
        `${where}: remote resource "${entry}" is not allowed; vendor it into the repository`,
      );
    }
    const target = await resolveInside(
      repoRoot,
      join(relative(repoRoot, dir), entry),
      `${where} resource ${entry}`,
    );
    if (existsSync(target) && statSync(target).isDirectory())
      await checkKustomizationTree(repoRoot, target, ctx, seen);
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
  await checkKustomizationTree(repoCopy, appDir, ctx);
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
    args: ['build', appDir, '--load-restrictor', 'LoadRestrictionsRootOnly'],
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
