// The server's version and build, and how this page hears about changes.
import { getJson } from '../api';
import { Notice } from '../components/layout';
import { liveMode, pollIntervalMs } from '../live';
import { useLiveData } from '../use-live-data';

export function About(props: { user?: string }) {
  const version = useLiveData(
    () => getJson<Record<string, string>>('/version'),
    'version',
    () => false,
  );
  if (version.error) return <Notice kind="error">{version.error.message}</Notice>;
  if (!version.data) return <p class="muted">Loading…</p>;
  const rows: [string, string][] = [
    ...Object.entries(version.data).map(([k, v]) => [k, String(v)] as [string, string]),
    ['signed in as', props.user ?? '—'],
    [
      'live updates',
      liveMode() === 'polling' ? `polling every ${pollIntervalMs / 1000}s with ETags` : 'server-sent events',
    ],
  ];
  return (
    <dl class="about" data-testid="about">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd class="mono">{v}</dd>
        </div>
      ))}
    </dl>
  );
}
