// The app's deployed runs, newest first, with a rollback per run (it pins the app to that
// revision) and an unpin when pinned. Both need `applications sync` on the app.
import { useState } from 'preact/hooks';
import { enc, send } from '../api';
import { PhaseBadge } from '../components/badges';
import { Notice } from '../components/layout';
import { ago, shortRevision } from '../format';
import type { HistoryEntry } from '../types';

export function HistoryPanel(props: {
  app: string;
  runs?: HistoryEntry[];
  pinnedRevision?: string;
  canSync: boolean;
  onChanged: () => void;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const act = async (what: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await what();
      props.onChanged();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const runs = props.runs ?? [];
  // The newest run that succeeded is what is deployed: rolling back to it (or to an older run of
  // the same revision) would change nothing.
  const current = runs.find((r) => r.phase === 'Succeeded');
  const deployed = current?.id;
  return (
    <div class="history">
      {error && <Notice kind="error">{error}</Notice>}
      {props.pinnedRevision && (
        <Notice kind="info">
          <span data-testid="pinned">
            Pinned to <code>{shortRevision(props.pinnedRevision)}</code> by a rollback: pushes are not
            deployed until unpinned.
          </span>{' '}
          {props.canSync && (
            <button
              type="button"
              class="button"
              disabled={busy}
              onClick={() => act(() => send('DELETE', `/apps/${enc(props.app)}/pin`))}
            >
              Unpin
            </button>
          )}
        </Notice>
      )}
      {runs.length === 0 ? (
        <p class="muted">No history yet.</p>
      ) : (
        <table class="table" aria-label="Sync history">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Revision</th>
              <th scope="col">Phase</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
              <th scope="col">Objects</th>
              <th scope="col">Started</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-testid="history-row">
                <td>#{r.id}</td>
                <td class="mono" title={r.revision}>
                  {shortRevision(r.revision)}
                </td>
                <td>
                  <PhaseBadge value={r.phase} />
                </td>
                <td>{r.reason}</td>
                <td>{initiator(r.initiatedBy)}</td>
                <td>{r.resources}</td>
                <td title={r.startedAt}>{ago(r.startedAt)}</td>
                <td class="actions">
                  {r.id === deployed && <span class="muted">Deployed</span>}
                  {props.canSync && r.phase === 'Succeeded' && r.revision !== current?.revision && (
                    <button
                      type="button"
                      class="button subtle"
                      disabled={busy}
                      aria-label={`Rollback to run ${r.id} (${shortRevision(r.revision)})`}
                      onClick={() =>
                        act(() => send('POST', `/apps/${enc(props.app)}/rollback`, { id: r.id }))
                      }
                    >
                      Rollback
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Who started a run: a user (with a project token's id), or the control plane's reason. */
function initiator(by: HistoryEntry['initiatedBy']): string {
  if (!by) return '—';
  return by.tokenId ? `${by.username} (token ${by.tokenId.slice(0, 8)})` : by.username;
}
