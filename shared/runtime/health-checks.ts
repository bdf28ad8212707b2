// An installation's custom health checks: Lua scripts from a directory (`<group>_<Kind>.lua`,
// e.g. `cert-manager.io_Certificate.lua`, `_Service.lua` for the core group) or from an argocd-cm
// ConfigMap file whose `resource.customizations.health.<group_kind>` keys hold scripts, as Argo CD
// users already write them. They replace the scripts Gitferry ships for the same kind.
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HealthScriptError } from '../engine/errors.js';
import {
  checkGroupKind,
  LuaHealthChecks,
  type HealthScript,
  type LuaHealthOptions,
} from '../engine/lua-health.js';
import { shippedHealthScripts } from '../engine/lua-health-shipped.js';
import { parseManifests } from '../source/yaml.js';

/** Bounds on what is read: one script, and the files of a directory. */
const maxScriptBytes = 256 * 1024;
const maxFiles = 1000;
const healthKeyPrefix = 'resource.customizations.health.';

function readBounded(file: string): string {
  const stat = lstatSync(file);
  if (!stat.isFile())
    throw new HealthScriptError(
      'health-script:file',
      `${file} is not a regular file (symlinks are not followed)`,
    );
  if (stat.size > maxScriptBytes)
    throw new HealthScriptError('health-script:size', `${file} is larger than ${maxScriptBytes} bytes`);
  return readFileSync(file, 'utf8');
}

/** The health scripts of an argocd-cm ConfigMap (YAML), keyed as Argo CD keys them. */
export function scriptsOfConfigMap(text: string, file: string): HealthScript[] {
  const scripts: HealthScript[] = [];
  for (const { object } of parseManifests(text, file)) {
    const data = (object as { kind?: string; data?: Record<string, unknown> }).data;
    if ((object as { kind?: string }).kind !== 'ConfigMap' || !data) continue;
    for (const [key, value] of Object.entries(data)) {
      if (!key.startsWith(healthKeyPrefix)) continue;
      const groupKind = key.slice(healthKeyPrefix.length);
      const origin = `${basename(file)}:${key}`;
      checkGroupKind(groupKind, origin);
      if (typeof value !== 'string')
        throw new HealthScriptError('health-script:value', `${origin} is not a string`);
      scripts.push({ groupKind, origin, source: value });
    }
  }
  return scripts;
}

/** Scripts from a directory of `<group>_<Kind>.lua` files and argocd-cm YAML files, or one such YAML file. */
export function loadHealthScripts(path: string): HealthScript[] {
  if (!lstatSync(path).isDirectory()) return scriptsOfConfigMap(readBounded(path), path);
  const files = readdirSync(path).sort();
  if (files.length > maxFiles)
    throw new HealthScriptError('health-script:count', `${path} holds more than ${maxFiles} files`);
  const scripts: HealthScript[] = [];
  for (const name of files) {
    const file = join(path, name);
    if (name.endsWith('.lua')) {
      const groupKind = name.slice(0, -'.lua'.length);
      checkGroupKind(groupKind, file);
      scripts.push({ groupKind, origin: name, source: readBounded(file) });
    } else if (/\.ya?ml$/.test(name)) {
      scripts.push(...scriptsOfConfigMap(readBounded(file), file));
    }
  }
  return scripts;
}

/** The checks of an installation: the shipped scripts, replaced by its own where it has some. */
export function buildHealthChecks(path?: string, opts?: Partial<LuaHealthOptions>): LuaHealthChecks {
  return new LuaHealthChecks([...shippedHealthScripts, ...(path ? loadHealthScripts(path) : [])], opts);
}
