// Registered clusters: name, kind, where they are, and whether the workers reach them.
import { useEffect } from 'preact/hooks';
import { getJson } from '../api';
import { PhaseBadge } from '../components/badges';
import { Notice } from '../components/layout';
import { ago } from '../format';
import type { Cluster } from '../types';
import { useLiveData } from '../use-live-data';

const connectionRefreshMs = 10_000;

export function Clusters() {
  const list = useLiveData(
    () => getJson<{ items: Cluster[] }>('/clusters'),
    'clusters',
    (app) => !app,
  );
  // Connection states change without an app changing (the live feed names apps): read again
  // every few seconds while the tab is visible.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') list.reload();
    }, connectionRefreshMs);
    return () => clearInterval(timer);
  }, []);
  if (list.error) return <Notice kind="error">Could not list clusters: {list.error.message}</Notice>;
  if (!list.data) return <p class="muted">Loading…</p>;
  if (list.data.items.length === 0)
    return <p class="muted">No clusters registered. Add one with gitferry cluster add.</p>;
  return (
    <table class="table" aria-label="Clusters">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Server or EKS cluster</th>
          <th scope="col">Region</th>
          <th scope="col">Connection</th>
        </tr>
      </thead>
      <tbody>
        {list.data.items.map((c) => (
          <tr key={c.name}>
            <td>
              <strong>{c.name}</strong>
            </td>
            <td>{String(c.type ?? c.kind ?? 'kubeconfig')}</td>
            <td class="mono">{String(c.server ?? c.clusterName ?? c.eksClusterName ?? '—')}</td>
            <td>{String(c.region ?? '—')}</td>
            <td>
              <PhaseBadge value={c.connectionState?.status ?? 'Unknown'} />
              {c.connectionState?.attemptedAt && (
                <span class="muted" title={c.connectionState.attemptedAt}>
                  {' '}
                  {ago(c.connectionState.attemptedAt)}
                </span>
              )}
              {c.connectionState?.message && <div class="muted small">{c.connectionState.message}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
