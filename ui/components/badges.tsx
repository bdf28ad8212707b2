// Sync and health as Argo CD users know them: the same names, colours and shapes.
const healthIcons: Record<string, string> = {
  Healthy: '♥',
  Progressing: '◌',
  Degraded: '✕',
  Suspended: '❚❚',
  Missing: '?',
  Unknown: '?',
};
const syncIcons: Record<string, string> = { Synced: '✓', OutOfSync: '↑', Unknown: '?' };

function Badge(props: { kind: 'health' | 'sync'; value: string; compact?: boolean }) {
  const icon = (props.kind === 'health' ? healthIcons : syncIcons)[props.value] ?? '?';
  return (
    <span class={`badge ${props.kind}-${props.value.toLowerCase()}`} data-testid={`${props.kind}-badge`}>
      <span class={`badge-icon${props.value === 'Progressing' ? ' spin' : ''}`} aria-hidden="true">
        {icon}
      </span>
      {props.compact ? <span class="sr-only">{props.value}</span> : props.value}
    </span>
  );
}

export const HealthBadge = (p: { value?: string; compact?: boolean }) => (
  <Badge kind="health" value={p.value ?? 'Unknown'} compact={p.compact} />
);
export const SyncBadge = (p: { value?: string; compact?: boolean }) => (
  <Badge kind="sync" value={p.value ?? 'Unknown'} compact={p.compact} />
);

export function PhaseBadge(props: { value: string }) {
  return <span class={`badge phase-${props.value.toLowerCase()}`}>{props.value}</span>;
}
