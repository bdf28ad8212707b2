// What the apiserver served, from its own counter (apiserver_request_total on /metrics): requests
// by verb, resource and dry run. Read before and after a run, the difference is what the run cost
// the control plane. The counter does not tell clients apart: the controllers' reactions (a
// Deployment's ReplicaSet, a Service's EndpointSlice) are counted with the tool's own requests.

/** Requests so far, keyed "VERB resource[/subresource][ (dry run)]". */
export function requestCounts(metrics: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const close = line.lastIndexOf('}');
    const labels = Object.fromEntries(
      [...line.slice(0, close).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    const resource = labels.resource
      ? `${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`
      : labels.subresource || '(other)';
    const key = `${labels.verb} ${resource}${labels.dry_run ? ' (dry run)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(close + 1).trim()));
  }
  return counts;
}

/** The requests between two readings, per app, largest first, those of at least `min` per app. */
export function requestsPerApp(
  before: Map<string, number>,
  after: Map<string, number>,
  apps: number,
  min = 0.1,
): { total: number; rows: [string, number][] } {
  const rows: [string, number][] = [];
  let total = 0;
  for (const [key, n] of after) {
    const per = (n - (before.get(key) ?? 0)) / apps;
    total += per;
    if (per >= min) rows.push([key, per]);
  }
  return { total, rows: rows.sort((a, b) => b[1] - a[1]) };
}
