// What the last sync did: its phase and message, then each object's outcome in the order applied,
// hooks apart with the phase they ran in.
import { HealthBadge, PhaseBadge } from '../components/badges';
import { ago, refName, shortRevision } from '../format';
import type { HistoryEntry } from '../types';

export function LastSync(props: { run?: HistoryEntry }) {
  const run = props.run;
  if (!run) return <p class="muted">No sync has run yet.</p>;
  const results = run.results ?? [];
  const hooks = results.filter((r) => r.hookPhase);
  const objects = results.filter((r) => !r.hookPhase);
  const table = (rows: typeof results, hook: boolean) => (
    <table class="table">
      <thead>
        <tr>
          {hook && <th scope="col">Phase</th>}
          <th scope="col">Object</th>
          <th scope="col">Result</th>
          <th scope="col">Wave</th>
          <th scope="col">Health</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {hook && <td>{r.hookPhase}</td>}
            <td class="mono">{refName(r.ref)}</td>
            <td>
              <span class={`action action-${r.action}`}>{r.action}</span>
            </td>
            <td>{r.wave ?? 0}</td>
            <td>{r.health ? <HealthBadge value={r.health.status} /> : '—'}</td>
            <td class="message">{r.message ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <div class="last-sync" data-testid="last-sync">
      <dl class="facts">
        <div>
          <dt>Run</dt>
          <dd>#{run.id}</dd>
        </div>
        <div>
          <dt>Phase</dt>
          <dd>
            <PhaseBadge value={run.phase} />
          </dd>
        </div>
        <div>
          <dt>Revision</dt>
          <dd class="mono" title={run.revision}>
            {shortRevision(run.revision)}
          </dd>
        </div>
        <div>
          <dt>Reason</dt>
          <dd>{run.reason}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd title={run.startedAt}>{ago(run.startedAt)}</dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd title={run.finishedAt}>{ago(run.finishedAt)}</dd>
        </div>
      </dl>
      {run.message && <p class="run-message">{run.message}</p>}
      <h3>Hooks</h3>
      {hooks.length ? table(hooks, true) : <p class="muted">No hooks ran.</p>}
      <h3>Objects</h3>
      {objects.length ? table(objects, false) : <p class="muted">No objects.</p>}
    </div>
  );
}
