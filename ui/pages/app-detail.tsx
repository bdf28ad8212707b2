// One app: its state at a glance, then its resources, the diff of what is out of sync, the last
// sync's events and hooks, and its history. Sync and refresh as the caller's permissions allow.
import { useState } from 'preact/hooks';
import { enc, getJson, send } from '../api';
import { HealthBadge, PhaseBadge, SyncBadge } from '../components/badges';
import { Notice } from '../components/layout';
import { ago, destinationOf, shortRevision } from '../format';
import { useCan } from '../permissions';
import type { AppDiff, AppView, HistoryEntry } from '../types';
import { useLiveData } from '../use-live-data';
import { DiffView } from './diff-view';
import { HistoryPanel } from './history-panel';
import { LastSync } from './last-sync';
import { ResourceTree } from './resource-tree';
import { SyncDialog } from './sync-dialog';

const tabs = ['Resources', 'Diff', 'Last sync', 'History'] as const;
type Tab = (typeof tabs)[number];

interface Detail {
  view: AppView;
  diff: AppDiff;
  history: HistoryEntry[];
}

async function loadDetail(name: string): Promise<Detail> {
  const n = enc(name);
  const [view, diff, history] = await Promise.all([
    getJson<AppView>(`/apps/${n}`),
    getJson<AppDiff>(`/apps/${n}/diff`),
    getJson<{ items: HistoryEntry[] }>(`/apps/${n}/history?results=true`),
  ]);
  return { view, diff, history: history.items };
}

export function AppDetail(props: { name: string; onTitle?: (actions: preact.ComponentChildren) => void }) {
  const detail = useLiveData(
    () => loadDetail(props.name),
    `app:${props.name}`,
    (app) => !app || app === props.name,
  );
  const [tab, setTab] = useState<Tab>('Resources');
  const [syncing, setSyncing] = useState(false);
  const [notice, setNotice] = useState<string>();
  const project = detail.data?.view.app.project ?? '';
  const object = `${project}/${props.name}`;
  const canSync = useCan('applications', 'sync', object);
  if (detail.error && !detail.data)
    return (
      <Notice kind="error">
        Could not load {props.name}: {detail.error.message}
      </Notice>
    );
  if (!detail.data) return <p class="muted">Loading…</p>;
  const { app, status, operationInProgress } = detail.data.view;
  const source = app.sources[0];
  const op = status?.operation;
  const outOfSync = (status?.resources ?? []).filter((r) => r.status === 'OutOfSync').length;

  const refresh = async () => {
    try {
      await send('POST', `/apps/${enc(app.name)}/refresh`);
      setNotice('Refresh requested: Gitferry compares live with Git now.');
    } catch (e) {
      setNotice((e as Error).message);
    }
  };

  return (
    <div class="detail">
      <div class="toolbar" role="toolbar" aria-label="App actions">
        {canSync && (
          <button
            type="button"
            class="button primary"
            data-testid="sync-button"
            onClick={() => setSyncing(true)}
          >
            ⟳ Sync
          </button>
        )}
        <button type="button" class="button" onClick={refresh}>
          Refresh
        </button>
        <button type="button" class="button" onClick={() => setTab('History')}>
          History and rollback
        </button>
      </div>
      {notice && <Notice kind="info">{notice}</Notice>}
      <div class="cards">
        <section class="card" aria-label="App health">
          <h2 class="card-title">App health</h2>
          <div class="card-big" data-testid="app-health">
            <HealthBadge value={status?.health.status} />
          </div>
          {status?.health.message && <p class="card-note">{status.health.message}</p>}
        </section>
        <section class="card" aria-label="Sync status">
          <h2 class="card-title">Sync status</h2>
          <div class="card-big" data-testid="app-sync">
            <SyncBadge value={status?.sync.status} />
          </div>
          <p class="card-note">
            to <span class="mono">{source?.targetRevision ?? 'HEAD'}</span> · at{' '}
            <span class="mono" title={status?.sync.revision}>
              {shortRevision(status?.sync.revision)}
            </span>
            {app.pinnedRevision && <span class="pin-tag">pinned</span>}
          </p>
        </section>
        <section class="card" aria-label="Last sync">
          <h2 class="card-title">Last sync</h2>
          <div class="card-big" data-testid="app-operation">
            {op ? <PhaseBadge value={operationInProgress ? 'Running' : op.phase} /> : '—'}
          </div>
          <p class="card-note">
            {op
              ? `${ago(op.finishedAt ?? op.startedAt)}${op.message ? ` · ${op.message}` : ''}`
              : 'never synced'}
          </p>
        </section>
        <section class="card wide" aria-label="Source and destination">
          <h2 class="card-title">Source → destination</h2>
          <p class="mono small">
            {source?.repoURL} <span class="muted">{source?.path ?? source?.chart ?? ''}</span>
          </p>
          <p class="small">
            {destinationOf(app.destination)} · project <strong>{app.project}</strong>
            {app.syncPolicy?.automated ? ' · auto-sync' : ' · manual sync'}
          </p>
        </section>
      </div>
      {(status?.conditions ?? []).map((c, i) => (
        <Notice kind="error" key={i}>
          <strong>{c.type}</strong>: {c.message}
        </Notice>
      ))}
      <div class="tabs" role="tablist" aria-label="App views">
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls="tab-panel"
            tabIndex={tab === t ? 0 : -1}
            class="tab"
            onClick={() => setTab(t)}
            onKeyDown={(e) => {
              const i = tabs.indexOf(t);
              const next =
                e.key === 'ArrowRight'
                  ? tabs[(i + 1) % tabs.length]
                  : e.key === 'ArrowLeft'
                    ? tabs[(i + tabs.length - 1) % tabs.length]
                    : undefined;
              if (next) {
                setTab(next);
                document.getElementById(`tab-${next}`)?.focus();
              }
            }}
          >
            {t}
            {t === 'Diff' && outOfSync > 0 && <span class="count warn">{outOfSync}</span>}
          </button>
        ))}
      </div>
      <div id="tab-panel" role="tabpanel" aria-labelledby={`tab-${tab}`} class="tab-panel" tabIndex={0}>
        {tab === 'Resources' && <ResourceTree resources={status?.resources ?? []} />}
        {tab === 'Diff' && <DiffView diff={detail.data.diff} />}
        {tab === 'Last sync' && <LastSync run={detail.data.history[0]} />}
        {tab === 'History' && (
          <HistoryPanel
            app={app.name}
            runs={detail.data.history}
            pinnedRevision={app.pinnedRevision}
            canSync={canSync === true}
            onChanged={detail.reload}
          />
        )}
      </div>
      {syncing && (
        <SyncDialog
          app={app}
          onClose={() => setSyncing(false)}
          onSynced={() => {
            setSyncing(false);
            setNotice('Sync requested: progress shows here as it happens.');
            detail.reload();
          }}
        />
      )}
    </div>
  );
}
