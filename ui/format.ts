// Small display helpers.

export function shortRevision(rev: string | undefined): string {
  if (!rev) return '—';
  return /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : rev;
}

/** "3 minutes ago"; the exact time goes in a title attribute. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

export function destinationOf(d: { name?: string; server?: string; namespace?: string }): string {
  return `${d.name ?? d.server ?? '?'}${d.namespace ? ` / ${d.namespace}` : ''}`;
}

export function refName(r: { kind: string; namespace?: string; name: string }): string {
  return `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}
