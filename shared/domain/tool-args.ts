// Values from an Application that reach a helm or kustomize command line. Each is checked against
// the tool's own rule before it is used, and then passed as `--flag=value` or after `--`, so no
// value can become an option (issue 10, class 1: a release name of `--post-renderer=…` once ran a
// command on the worker). Checking and quoting are both kept: either one alone would hold today,
// and a later change to one must not reopen the hole.
import { GitferryError } from './errors.js';

/** A value that would reach a tool's command line breaks the tool's own rule for it. */
export class ToolArgumentError extends GitferryError {
  override name = 'ToolArgumentError';
}

/** A value as an error shows it: quoted, control characters escaped, long ones cut. */
export function showValue(value: unknown): string {
  const text = JSON.stringify(typeof value === 'string' ? value : String(value));
  return text.length > 82 ? `${text.slice(0, 80)}…"` : text;
}

function refuse(field: string, value: unknown, rule: string): ToolArgumentError {
  return new ToolArgumentError('source:bad-option', `${field} ${showValue(value)} is not valid: ${rule}`);
}

// helm's own rule for release names (pkg/chartutil ValidateReleaseName): DNS-1123 subdomain, ≤ 53.
const releaseNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A helm release name (`spec.source.helm.releaseName`, or the app name by default). */
export function checkReleaseName(name: string, field = 'helm releaseName'): string {
  if (typeof name !== 'string' || name.length > 53 || !releaseNamePattern.test(name))
    throw refuse(
      field,
      name,
      'a release name is at most 53 lower-case letters, digits, "-" and "." and starts and ends with a letter or digit',
    );
  return name;
}

/** A Kubernetes namespace name (DNS-1123 label). */
export function checkNamespaceName(name: string, field = 'helm namespace'): string {
  if (typeof name !== 'string' || name.length > 63 || !dnsLabelPattern.test(name))
    throw refuse(
      field,
      name,
      'a namespace is at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
    );
  return name;
}

/** A Kubernetes version as helm's --kube-version takes it: `1.36`, `v1.36.3`, `v1.36.3-eks-1`. */
export function checkKubeVersion(version: string, field = 'helm kubeVersion'): string {
  if (
    typeof version !== 'string' ||
    !/^v?\d{1,4}\.\d{1,4}(\.\d{1,4})?([-+][0-9A-Za-z.-]{1,64})?$/.test(version)
  )
    throw refuse(field, version, 'expected a version such as v1.36.3');
  return version;
}

/** An API version (`apps/v1`, `v1`) or version with kind (`monitoring.coreos.com/v1/ServiceMonitor`). */
export function checkApiVersion(value: string, field = 'helm apiVersions entry'): string {
  if (
    typeof value !== 'string' ||
    value.length > 253 ||
    !/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9][a-z0-9]*(\/[A-Za-z][A-Za-z0-9]*)?$/.test(value)
  )
    throw refuse(field, value, 'expected group/version or group/version/Kind, e.g. apps/v1');
  return value;
}

/**
 * A key of `--set`, `--set-string` or `--set-file`: helm's strvals path (`a.b[0].c`, `a\.b`).
 * `=` and `,` would start another key or value, and a leading `-` an option.
 */
export function checkValueKey(name: string, field: string): string {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > 1024 ||
    !/^[A-Za-z0-9_$[\\][A-Za-z0-9_.\-[\]\\/$]*$/.test(name)
  )
    throw refuse(
      field,
      name,
      'a value path is letters, digits and "_", ".", "-", "/", "[n]" (and "\\." for a literal dot), not starting with "-"',
    );
  return name;
}

/** A chart name in a Helm repository index. */
export function checkChartName(name: string, field = 'chart'): string {
  if (
    typeof name !== 'string' ||
    name.length > 253 ||
    !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) ||
    name.includes('..')
  )
    throw refuse(
      field,
      name,
      'a chart name is letters, digits, "_", "." and "-", starting with a letter or digit',
    );
  return name;
}

/**
 * A chart version or constraint (targetRevision of a Helm-repository source): `1.2.3`, `1.2.*`,
 * `^1.2`, `>=1.0 <2.0`, `>= 1.0, < 2.0 || 3.x`.
 */
export function checkChartVersion(version: string, field = 'chart version'): string {
  if (
    typeof version !== 'string' ||
    version.length > 128 ||
    !/^[0-9A-Za-z.*+^~<>=!|, -]*$/.test(version) ||
    version.trim().startsWith('-')
  )
    throw refuse(field, version, 'expected a version such as 1.2.3 or a constraint such as ^1.2');
  return version;
}

/**
 * A `directory.jsonnet` extVars or tlas name: a Jsonnet identifier. It reaches jsonnet's command
 * line as `<name>=<file>`, so an `=` or a leading `-` must never be part of it.
 */
export function checkJsonnetVariableName(name: unknown, field: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name))
    throw refuse(field, name, 'a Jsonnet identifier is letters, digits and "_", not starting with a digit');
  return name;
}

/** A `directory.jsonnet.libs` entry: a path inside the repository (relative, no `..`). */
export function checkJsonnetLibPath(path: unknown, field: string): string {
  if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.split(/[\\/]/).includes('..'))
    throw new ToolArgumentError(
      'source:path-escape',
      `${field} ${showValue(String(path))} must be a path inside the repository (relative, without "..")`,
    );
  return path;
}
