// The revision of a chart source, apart from helm-repository.ts: the control plane reads it for
// every Helm app, and this module loads none of the chart fetchers (tar, semver).

/**
 * A chart's targetRevision as one space-free token: an app's revisions are stored joined by
 * spaces, one per source, and helm constraints may contain spaces (`>= 1.0, < 2.0`). The meaning
 * is kept: commas and spaces both mean "and" in helm's constraint syntax.
 */
export function chartRevisionOf(targetRevision: string | undefined): string {
  const spec = (targetRevision ?? '').trim();
  if (spec === '') return '*';
  return spec
    .replace(/\s*(\|\||,)\s*/g, '$1')
    .replace(/([<>=!~^]+)\s+/g, '$1')
    .replace(/\s+/g, ',');
}
