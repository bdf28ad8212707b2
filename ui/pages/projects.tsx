// AppProjects: what their apps may use (repos, destinations) and their roles.
import { getJson } from '../api';
import { Notice } from '../components/layout';
import { destinationOf } from '../format';
import type { Project } from '../types';
import { useLiveData } from '../use-live-data';

export function Projects() {
  const list = useLiveData(
    () => getJson<{ items: Project[] }>('/projects'),
    'projects',
    (app) => !app,
  );
  if (list.error) return <Notice kind="error">Could not list projects: {list.error.message}</Notice>;
  if (!list.data) return <p class="muted">Loading…</p>;
  if (list.data.items.length === 0)
    return <p class="muted">Only the built-in default project exists (it allows everything).</p>;
  return (
    <table class="table" aria-label="Projects">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Source repositories</th>
          <th scope="col">Destinations</th>
          <th scope="col">Roles</th>
        </tr>
      </thead>
      <tbody>
        {list.data.items.map((p) => (
          <tr key={p.name}>
            <td>
              <strong>{p.name}</strong>
              {p.description && <div class="sub">{p.description}</div>}
            </td>
            <td class="mono small">{p.sourceRepos.join(', ') || '—'}</td>
            <td class="small">{(p.destinations ?? []).map(destinationOf).join(', ') || '—'}</td>
            <td>{(p.roles ?? []).map((r) => r.name).join(', ') || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
