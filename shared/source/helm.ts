import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { dump } from 'js-yaml';
import type { DesiredObject } from '../engine/prepare.js';
import { SourceError } from './errors.js';
import { resolveInside } from './safe-path.js';
import { runTool } from './tool-runner.js';
import {
  checkApiVersion,
  checkKubeVersion,
  checkNamespaceName,
  checkReleaseName,
  checkValueKey,
} from '../domain/tool-args.js';
import type { HelmOptions, RenderResult } from './types.js';
import { parseManifests } from './yaml.js';
import type { RenderContext } from './render-context.js';

/** Escapes a --set value the way helm's strvals parser reads it: commas and backslashes are data. */
export function escapeSetValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
}

async function valueFileArgs(
  opts: HelmOptions,
  repoRoot: string,
  appPath: string,
  ctx: RenderContext,
): Promise<string[]> {
  const args: string[] = [];
  for (const file of opts.valueFiles ?? []) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(file)) {
      throw new SourceError(
        'source:path-escape',
        `helm value file "${file}": remote and file:// value files are not allowed; keep it in the repository`,
      );
    }
    if (isAbsolute(file)) {
      throw new SourceError(
        'source:path-escape',
        `helm value file "${file}": absolute paths are not allowed; use a path inside the repository`,
      );
    }
    let path: string;
    if (file.startsWith('$')) {
      const [refName, ...rest] = file.slice(1).split('/');
      const refRoot = ctx.refs?.get(refName!);
      if (!refRoot)
        throw new SourceError(
          'source:bad-ref',
          `helm value file "${file}": no source with ref "${refName}" in this app`,
        );
      path = await resolveInside(refRoot, rest.join('/'), `helm value file ${file}`);
    } else {
      path = await resolveInside(repoRoot, join(appPath, file), `helm value file ${file}`);
    }
    if (!existsSync(path)) {
      if (opts.ignoreMissingValueFiles) continue;
      throw new SourceError(
        'source:missing-file',
        `helm value file "${file}" does not exist in the repository`,
      );
    }
    args.push(`--values=${path}`);
  }
  return args;
}

/** Maps each rendered document to the template it came from (helm writes `# Source: chart/templates/x.yaml`). */
function templateSources(output: string): { line: number; source: string }[] {
  const marks: { line: number; source: string }[] = [];
  output.split('\n').forEach((text, i) => {
    const m = /^# Source: (.+)$/.exec(text);
    if (m) marks.push({ line: i + 1, source: m[1]!.trim() });
  });
  return marks;
}

/**
 * `helm template` of a chart directory with the Application's helm options, the cluster's version
 * and API versions, CRDs included unless skipCrds. Value files must be inside the repository (or a
 * `$ref` source); inline values go through a file in the render's own directory.
 */
export async function renderHelm(
  chartDir: string,
  repoRoot: string,
  appPath: string,
  opts: HelmOptions,
  ctx: RenderContext,
  /** What messages call the chart (default: its path in the repository). */
  label = appPath || '.',
): Promise<RenderResult> {
  const warnings: string[] = [];
  // Every value is checked by helm's own rules, then passed as --flag=value; the release name and
  // chart go after `--`, so nothing from the Application can be read as an option.
  const releaseName = checkReleaseName(
    opts.releaseName || ctx.appName,
    opts.releaseName ? 'helm releaseName' : 'helm release name (the app name)',
  );
  const namespace = checkNamespaceName(
    opts.namespace || ctx.namespace,
    opts.namespace ? 'helm namespace' : 'destination namespace',
  );
  const args = ['template', `--namespace=${namespace}`];
  const kubeVersion = opts.kubeVersion || ctx.kubeVersion;
  if (kubeVersion) args.push(`--kube-version=${checkKubeVersion(kubeVersion)}`);
  for (const v of [...(ctx.apiVersions ?? []), ...(opts.apiVersions ?? [])])
    args.push(`--api-versions=${checkApiVersion(v)}`);
  if (!opts.skipCrds) args.push('--include-crds');
  if (opts.skipTests) args.push('--skip-tests');
  args.push(...(await valueFileArgs(opts, repoRoot, appPath, ctx)));
  // valuesObject wins over values, as in Argo CD; both are applied after the value files.
  if (opts.valuesObject || opts.values) {
    const file = join(ctx.renderDir, 'inline-values.yaml');
    await writeFile(file, opts.valuesObject ? dump(opts.valuesObject) : opts.values!);
    args.push(`--values=${file}`);
  }
  for (const p of opts.parameters ?? []) {
    if (!p.name) throw new SourceError('source:bad-option', 'helm parameter without a name');
    const name = checkValueKey(p.name, 'helm parameter name');
    args.push(`${p.forceString ? '--set-string' : '--set'}=${name}=${escapeSetValue(String(p.value ?? ''))}`);
  }
  for (const fp of opts.fileParameters ?? []) {
    const name = checkValueKey(fp.name, 'helm file parameter name');
    if (isAbsolute(fp.path))
      throw new SourceError(
        'source:path-escape',
        `helm file parameter ${name}: absolute path "${fp.path}" is not allowed`,
      );
    const path = await resolveInside(repoRoot, join(appPath, fp.path), `helm file parameter ${name}`);
    args.push(`--set-file=${name}=${escapeSetValue(path)}`);
  }
  args.push('--', releaseName, chartDir);
  const output = await runTool({
    bin: ctx.tools.helm,
    args,
    cwd: ctx.renderDir,
    home: join(ctx.renderDir, '.home'),
    timeoutMs: ctx.limits.timeoutMs,
    maxOutputBytes: ctx.limits.maxBytes,
    what: `helm template of ${label}`,
  });
  const marks = templateSources(output);
  const objects: DesiredObject[] = parseManifests(
    output,
    `helm template of ${label}`,
    ctx.limits,
    ctx.count,
  ).map(({ object, line }) => {
    const mark = [...marks].reverse().find((m) => m.line < line);
    return { object, source: mark ? `${mark.source} (helm)` : `helm template of ${label}:${line}` };
  });
  return { objects, sourceType: 'Helm', warnings };
}
