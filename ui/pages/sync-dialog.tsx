// Sync with options, as Argo CD's sync panel: a revision (default the app's target), prune, dry run.
import { useState } from 'preact/hooks';
import { enc, send } from '../api';
import { Dialog } from '../components/dialog';
import { Notice } from '../components/layout';
import type { App } from '../types';

export function SyncDialog(props: { app: App; onClose: () => void; onSynced: () => void }) {
  const source = props.app.sources[0];
  const [revision, setRevision] = useState('');
  const [prune, setPrune] = useState(false);
  const [dryRun, setDryRun] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await send('POST', `/apps/${enc(props.app.name)}/sync`, {
        ...(revision.trim() ? { revision: revision.trim() } : {}),
        prune,
        dryRun,
      });
      props.onSynced();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Synchronize ${props.app.name}`} onClose={props.onClose}>
      <form class="dialog-body" onSubmit={submit}>
        {error && <Notice kind="error">{error}</Notice>}
        <label class="field">
          <span>Revision</span>
          <input
            name="revision"
            type="text"
            placeholder={source?.targetRevision ?? 'HEAD'}
            value={revision}
            onInput={(e) => setRevision((e.target as HTMLInputElement).value)}
          />
          <small>Empty: the app's target revision ({source?.targetRevision ?? 'HEAD'}).</small>
        </label>
        <fieldset class="options">
          <legend>Sync options</legend>
          <label>
            <input
              type="checkbox"
              name="prune"
              checked={prune}
              onChange={(e) => setPrune((e.target as HTMLInputElement).checked)}
            />
            Prune objects no longer in Git
          </label>
          <label>
            <input
              type="checkbox"
              name="dryRun"
              checked={dryRun}
              onChange={(e) => setDryRun((e.target as HTMLInputElement).checked)}
            />
            Dry run (the API server checks every object; nothing is written)
          </label>
        </fieldset>
        <div class="dialog-actions">
          <button type="button" class="button subtle" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy} data-testid="sync-submit">
            {busy ? 'Requesting…' : 'Synchronize'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
