// Chart dependencies listed in Chart.yaml (or requirements.yaml) but not vendored under charts/,
// fetched the way `helm dependency build` would, but by Gitferry: from HTTP(S) Helm repositories
// through the guarded client (helm-repository.ts), from OCI registries (oci-registry.ts), or from
// `file://` paths inside the repository. With a Chart.lock, what was fetched is kept and reused
// for the next render of the same lock (keyed by the lock's content and the credentials used).
// helm itself never reaches the network (issue 10), and Argo CD users' charts render unchanged
// (issue 11: "run `helm dependency build`" was the error before).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { SourceError } from './errors.js';
import type { GitCredentials } from './git-http.js';
import { fetchChart } from './helm-repository.js';
import { fetchOciChart } from './oci-registry.js';
import type { RenderContext } from './render-context.js';
import { resolveInside } from './safe-path.js';
import { checkChartName, checkChartVersion, showValue } from '../domain/tool-args.js';

interface Dependency {
  name: string;
  version?: string;
  repository?: string;
}

/** How many dependencies a chart may fetch (a chart listing thousands is an attack, not a chart). */
const maxDependencies = 50;

async function readYaml(file: string, what: string): Promise<Record<string, unknown>> {
  try {
    const doc = parse(await readFile(file, 'utf8'), { maxAliasCount: 100 }) as unknown;
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  } catch (err) {
    throw new SourceError('source:bad-yaml', `${what}: ${(err as Error).message}`);
  }
}

function dependenciesOf(doc: Record<string, unknown>, what: string): Dependency[] {
  const list = doc.dependencies;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new SourceError('source:bad-chart', `${what}: dependencies must be a list`);
  if (list.length > maxDependencies)
    throw new SourceError('source:too-large', `${what}: more than ${maxDependencies} dependencies`);
  return list.map((d, i) => {
    const dep = (d ?? {}) as Record<string, unknown>;
    if (typeof dep.name !== 'string')
      throw new SourceError('source:bad-chart', `${what}: dependencies[${i}].name must be a string`);
    return {
      name: checkChartName(dep.name, `${what}: dependencies[${i}].name`),
      version: typeof dep.version === 'string' ? dep.version : undefined,
      repository: typeof dep.repository === 'string' ? dep.repository.trim() : undefined,
    };
  });
}

/** charts/<name>/ or charts/<name>-<version>.tgz is there: helm uses what is vendored. */
function isVendored(chartDir: string, name: string): boolean {
  const charts = join(chartDir, 'charts');
  if (!existsSync(charts)) return false;
  return readdirSync(charts).some((f) => f === name || (f.startsWith(`${name}-`) && f.endsWith('.tgz')));
}

const hashOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/**
 * Makes a chart whose dependencies are missing renderable: returns the chart directory to render,
 * a copy in the render's own directory with the missing dependencies under charts/ (the checkout
 * itself is shared and never written), or chartDir unchanged when nothing is missing. Versions
 * come from Chart.lock when it names the dependency, as `helm dependency build` does.
 */
export async function withChartDependencies(
  chartDir: string,
  repoRoot: string,
  label: string,
  ctx: RenderContext,
  credentials?: (repoURL: string) => Promise<GitCredentials | undefined>,
): Promise<string> {
  const chartFile = join(chartDir, 'Chart.yaml');
  if (!existsSync(chartFile)) return chartDir;
  const chart = await readYaml(chartFile, `${label}/Chart.yaml`);
  let deps = dependenciesOf(chart, `${label}/Chart.yaml`);
  // Charts of apiVersion v1 list them in requirements.yaml.
  if (deps.length === 0 && existsSync(join(chartDir, 'requirements.yaml')))
    deps = dependenciesOf(
      await readYaml(join(chartDir, 'requirements.yaml'), `${label}/requirements.yaml`),
      `${label}/requirements.yaml`,
    );
  let missing = deps.filter((d) => !isVendored(chartDir, d.name));
  if (missing.length === 0) return chartDir;

  const lockFile = ['Chart.lock', 'requirements.lock'].map((f) => join(chartDir, f)).find(existsSync);
  const locked = lockFile
    ? dependenciesOf(await readYaml(lockFile, `${label}/${relative(chartDir, lockFile)}`), `${label} lock`)
    : [];
  // Links are followed, not copied: the checkout's links were checked to stay inside it, and a
  // relative link copied elsewhere could point out of the copy (at another render's files).
  const copy = join(ctx.renderDir, 'chart-with-dependencies');
  await cp(chartDir, copy, { recursive: true, dereference: true });
  await mkdir(join(copy, 'charts'), { recursive: true });
  const remote = missing.filter((d) => !(d.repository ?? '').startsWith('file://'));
  let cacheKey: string | undefined;
  if (lockFile && ctx.dependencyCache && remote.length > 0) {
    const creds = await Promise.all(
      remote.map(async (d) =>
        hashOf((await credentials?.(d.repository ?? '').catch(() => undefined)) ?? null),
      ),
    );
    cacheKey = hashOf([await readFile(lockFile, 'utf8'), remote, creds]);
    const cached = ctx.dependencyCache.get(cacheKey);
    if (cached) {
      for (const dep of remote)
        await cp(join(cached, dep.name), join(copy, 'charts', dep.name), { recursive: true });
      missing = missing.filter((d) => !remote.includes(d));
    }
  }
  const fetched = new Map<string, string>();
  // A failed fetch says which chart needed which dependency, then what failed.
  const naming = (where: string) => (err: unknown) => {
    if (err instanceof SourceError && !err.message.startsWith(where))
      throw new SourceError(err.code, `${where}: ${err.message}`, { cause: err });
    throw err;
  };
  for (const dep of missing) {
    const where = `${label}: dependency ${dep.name}`;
    const repo = dep.repository ?? '';
    const version =
      locked.find((l) => l.name === dep.name && l.repository === dep.repository)?.version ?? dep.version;
    if (version !== undefined) checkChartVersion(version, `${where} version`);
    if (repo.startsWith('file://')) {
      // A chart elsewhere in the same repository: it must stay inside it.
      const source = await resolveInside(
        repoRoot,
        join(relative(repoRoot, chartDir), repo.slice('file://'.length)),
        where,
      );
      if (!existsSync(join(source, 'Chart.yaml')))
        throw new SourceError('source:missing-file', `${where}: ${showValue(repo)} holds no Chart.yaml`);
      await cp(source, join(copy, 'charts', dep.name), { recursive: true, dereference: true });
    } else if (/^https?:\/\//i.test(repo)) {
      const pulled = await fetchChart(
        { repoURL: repo, chart: dep.name, version, credentials: await credentials?.(repo) },
        join(ctx.renderDir, `dependency-${dep.name}`),
        ctx,
      ).catch(naming(where));
      await cp(pulled.chartDir, join(copy, 'charts', dep.name), { recursive: true });
      fetched.set(dep.name, join(copy, 'charts', dep.name));
    } else if (/^oci:\/\//i.test(repo)) {
      const pulled = await fetchOciChart(
        { repoURL: repo, chart: dep.name, version, credentials: await credentials?.(repo) },
        join(ctx.renderDir, `dependency-${dep.name}`),
        ctx,
      ).catch(naming(where));
      await cp(pulled.chartDir, join(copy, 'charts', dep.name), { recursive: true });
      fetched.set(dep.name, join(copy, 'charts', dep.name));
    } else {
      throw new SourceError(
        'source:unsupported',
        repo === ''
          ? `${where} is neither vendored under charts/ nor given a repository`
          : `${where}: repository ${showValue(repo)} is not supported (give an https:// Helm repository URL, an oci:// registry or a file:// path, or vendor it under charts/)`,
      );
    }
  }
  if (cacheKey && fetched.size === remote.length && fetched.size > 0)
    await ctx.dependencyCache!.put(cacheKey, fetched);
  return copy;
}
