// The app's resources grouped by kind (Namespaces and CRDs first, as they are applied), each with
// its sync and health and the message the last comparison left.
import { HealthBadge, SyncBadge } from '../components/badges';
import type { AppStatus } from '../types';

type Resource = AppStatus['resources'][number];

const kindOrder = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ConfigMap',
  'Secret',
  'Service',
];

function kindRank(kind: string): number {
  const i = kindOrder.indexOf(kind);
  return i < 0 ? kindOrder.length : i;
}

export function ResourceTree(props: { resources: Resource[] }) {
  if (props.resources.length === 0) return <p class="muted">No resources recorded yet.</p>;
  const byKind = new Map<string, Resource[]>();
  for (const r of props.resources) {
    const list = byKind.get(r.ref.kind) ?? [];
    list.push(r);
    byKind.set(r.ref.kind, list);
  }
  const kinds = [...byKind.keys()].sort((a, b) => kindRank(a) - kindRank(b) || a.localeCompare(b));
  return (
    <div class="tree" data-testid="resource-tree">
      {kinds.map((kind) => {
        const items = byKind.get(kind)!.sort((a, b) => a.ref.name.localeCompare(b.ref.name));
        const outOfSync = items.filter((r) => r.status === 'OutOfSync').length;
        return (
          <section class="tree-group" key={kind} aria-label={`${kind} (${items.length})`}>
            <h3 class="tree-kind">
              <span class="kind-icon" aria-hidden="true">
                {kind.slice(0, 2).toLowerCase()}
              </span>
              {kind}
              <span class="count">{items.length}</span>
              {outOfSync > 0 && <span class="count warn">{outOfSync} out of sync</span>}
            </h3>
            <ul class="tree-items">
              {items.map((r) => (
                <li
                  class={`tree-item status-${r.status.toLowerCase()}`}
                  key={`${r.ref.namespace}/${r.ref.name}`}
                  data-testid="resource"
                >
                  <span class="tree-name">
                    <span class="name">{r.ref.name}</span>
                    {r.ref.namespace && <span class="sub">{r.ref.namespace}</span>}
                  </span>
                  <span class="tree-badges">
                    <SyncBadge value={r.status} />
                    {r.health && <HealthBadge value={r.health.status} />}
                  </span>
                  {(r.message || r.health?.message) && (
                    <span class="tree-message">{r.message ?? r.health?.message}</span>
                  )}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}
