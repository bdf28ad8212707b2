// Applications: every app the caller may see, filtered by project, cluster, sync, health and label,
// searched by name, repo or path. Rows are virtualized: thousands of apps stay fast.
import { useMemo, useState } from 'preact/hooks';
import { getJson } from '../api';
import { HealthBadge, SyncBadge } from '../components/badges';
import { Notice } from '../components/layout';
import { VirtualRows } from '../components/virtual-rows';
import { ago, destinationOf, shortRevision } from '../format';
import { Link } from '../router';
import type { AppSummary } from '../types';
import { useLiveData } from '../use-live-data';

/** Every page of GET /apps (500 a page). */
export async function loadAllApps(): Promise<AppSummary[]> {
  const all: AppSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await getJson<{ items: AppSummary[]; next?: string }>(
      `/apps?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    all.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return all;
}

interface Filters {
  search: string;
  projects: Set<string>;
  clusters: Set<string>;
  sync: Set<string>;
  health: Set<string>;
  label: string;
}

const clusterOf = (a: AppSummary) => a.destination.name ?? a.destination.server ?? '';

function matches(a: AppSummary, f: Filters): boolean {
  if (f.projects.size && !f.projects.has(a.project)) return false;
  if (f.clusters.size && !f.clusters.has(clusterOf(a))) return false;
  if (f.sync.size && !f.sync.has(a.sync)) return false;
  if (f.health.size && !f.health.has(a.health)) return false;
  if (f.label) {
    const [k, v] = f.label.split('=', 2).map((s) => s.trim());
    if (!k || !(k in a.labels) || (v !== undefined && v !== '' && a.labels[k] !== v)) return false;
  }
  if (f.search) {
    const q = f.search.toLowerCase();
    if (![a.name, a.repoURL, a.path, a.project].some((s) => s.toLowerCase().includes(q))) return false;
  }
  return true;
}

function counted(apps: AppSummary[], of: (a: AppSummary) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const a of apps) m.set(of(a), (m.get(of(a)) ?? 0) + 1);
  return [...m].sort((x, y) => x[0].localeCompare(y[0]));
}

function FacetGroup(props: {
  legend: string;
  options: [string, number][];
  chosen: Set<string>;
  onChange: (s: Set<string>) => void;
}) {
  if (props.options.length === 0) return null;
  return (
    <fieldset class="facet">
      <legend>{props.legend}</legend>
      {props.options.map(([value, n]) => (
        <label key={value} class="facet-option">
          <input
            type="checkbox"
            checked={props.chosen.has(value)}
            onChange={(e) => {
              const next = new Set(props.chosen);
              if ((e.target as HTMLInputElement).checked) next.add(value);
              else next.delete(value);
              props.onChange(next);
            }}
          />
          <span class="facet-value">{value || '(none)'}</span>
          <span class="facet-count">{n}</span>
        </label>
      ))}
    </fieldset>
  );
}

const columns = ['Name', 'Project', 'Sync', 'Health', 'Revision', 'Destination', 'Last sync'];

function Summary(props: { apps: AppSummary[] }) {
  const by = (k: 'sync' | 'health') => counted(props.apps, (a) => a[k]);
  return (
    <div class="summary" aria-label="Totals">
      {[...by('health'), ...by('sync')].map(([v, n]) => (
        <span key={v} class={`summary-chip chip-${v.toLowerCase()}`}>
          {v} <strong>{n}</strong>
        </span>
      ))}
    </div>
  );
}

export function AppsList() {
  const apps = useLiveData(loadAllApps, 'apps', () => true, 1000);
  const [f, setF] = useState<Filters>({
    search: '',
    projects: new Set(),
    clusters: new Set(),
    sync: new Set(),
    health: new Set(),
    label: '',
  });
  const all = apps.data ?? [];
  const shown = useMemo(() => all.filter((a) => matches(a, f)), [all, f]);
  const set = (patch: Partial<Filters>) => setF({ ...f, ...patch });
  const anyFilter = f.search || f.label || f.projects.size || f.clusters.size || f.sync.size || f.health.size;

  return (
    <div class="apps-page">
      <aside class="filters" aria-label="Filters">
        <label class="field">
          <span>Search</span>
          <input
            type="search"
            placeholder="Name, repo or path"
            value={f.search}
            onInput={(e) => set({ search: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label class="field">
          <span>Label</span>
          <input
            type="text"
            placeholder="key=value"
            value={f.label}
            onInput={(e) => set({ label: (e.target as HTMLInputElement).value })}
          />
        </label>
        <FacetGroup
          legend="Sync status"
          options={counted(all, (a) => a.sync)}
          chosen={f.sync}
          onChange={(sync) => set({ sync })}
        />
        <FacetGroup
          legend="Health status"
          options={counted(all, (a) => a.health)}
          chosen={f.health}
          onChange={(health) => set({ health })}
        />
        <FacetGroup
          legend="Projects"
          options={counted(all, (a) => a.project)}
          chosen={f.projects}
          onChange={(projects) => set({ projects })}
        />
        <FacetGroup
          legend="Clusters"
          options={counted(all, clusterOf)}
          chosen={f.clusters}
          onChange={(clusters) => set({ clusters })}
        />
        {anyFilter ? (
          <button
            type="button"
            class="button subtle"
            onClick={() =>
              setF({
                search: '',
                label: '',
                projects: new Set(),
                clusters: new Set(),
                sync: new Set(),
                health: new Set(),
              })
            }
          >
            Clear filters
          </button>
        ) : null}
      </aside>
      <section class="apps-main" aria-label="Applications">
        {apps.error && <Notice kind="error">Could not list apps: {apps.error.message}</Notice>}
        <div class="apps-meta">
          <span data-testid="apps-count">
            {apps.loading && !apps.data ? 'Loading…' : `${shown.length} of ${all.length} apps`}
          </span>
          <Summary apps={shown} />
        </div>
        {apps.data && all.length === 0 ? (
          <div class="empty">
            <h2>No applications yet</h2>
            <p>
              Add one with <code>gitferry app create -f app.yaml</code>, or point{' '}
              <code>gitferry serve --apps-dir</code> at a folder of Application manifests.
            </p>
          </div>
        ) : (
          <VirtualRows
            items={shown}
            rowHeight={52}
            label="Applications"
            header={
              <div role="rowgroup" class="vrows-head">
                <div role="row" class="vrow head" aria-rowindex={1}>
                  {columns.map((c) => (
                    <span role="columnheader" key={c} class={`col col-${c.toLowerCase().replace(' ', '-')}`}>
                      {c}
                    </span>
                  ))}
                </div>
              </div>
            }
            row={(a) => (
              <>
                <span role="cell" class="col col-name">
                  <Link href={`/applications/${encodeURIComponent(a.name)}`} class="app-link">
                    {a.name}
                  </Link>
                  <span class="sub">{a.path || a.repoURL}</span>
                </span>
                <span role="cell" class="col col-project">
                  {a.project}
                </span>
                <span role="cell" class="col col-sync">
                  <SyncBadge value={a.sync} />
                </span>
                <span role="cell" class="col col-health">
                  <HealthBadge value={a.health} />
                </span>
                <span role="cell" class="col col-revision mono" title={a.revision}>
                  {shortRevision(a.revision)}
                  {a.pinnedRevision && (
                    <span class="pin" title={`pinned to ${a.pinnedRevision}`}>
                      {' '}
                      📌
                    </span>
                  )}
                </span>
                <span role="cell" class="col col-destination">
                  {destinationOf(a.destination)}
                </span>
                <span
                  role="cell"
                  class="col col-last-sync"
                  title={a.operation?.finishedAt ?? a.operation?.startedAt}
                >
                  {a.operation ? ago(a.operation.finishedAt ?? a.operation.startedAt) : '—'}
                </span>
              </>
            )}
          />
        )}
      </section>
    </div>
  );
}
