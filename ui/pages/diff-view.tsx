// The last comparison's difference, one card per object that differs (the server's unified diff,
// Secret values already masked there: they arrive as `++++++++`), lines coloured by kind.
import { Notice } from '../components/layout';
import type { AppDiff } from '../types';

/** Splits the combined unified diff into one part per object (each starts at its `---` header). */
export function splitDiff(text: string): { title: string; lines: string[] }[] {
  const parts: { title: string; lines: string[] }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('===') && lines[i + 1]?.startsWith('--- ')) continue;
    if (line.startsWith('Index: ')) continue;
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      const title = line
        .slice(4)
        .replace(/\t.*$/, '')
        .replace(/ \(live\)$/, '');
      parts.push({ title, lines: [] });
      i++;
      continue;
    }
    if (parts.length === 0) parts.push({ title: '', lines: [] });
    parts[parts.length - 1]!.lines.push(line);
  }
  return parts.filter((p) => p.lines.some((l) => l.trim() !== ''));
}

function lineClass(l: string): string {
  if (l.startsWith('@@')) return 'hunk';
  if (l.startsWith('+')) return 'add';
  if (l.startsWith('-')) return 'del';
  return 'ctx';
}

export function DiffView(props: { diff?: AppDiff }) {
  const drift = props.diff?.drift;
  if (!props.diff) return <p class="muted">Loading…</p>;
  if (drift?.error) return <Notice kind="error">Could not compare with Git: {drift.error}</Notice>;
  const parts = drift?.diff ? splitDiff(drift.diff) : [];
  if (parts.length === 0)
    return (
      <p class="muted" data-testid="no-diff">
        Live objects match Git
        {drift?.checkedAt ? ` (compared ${new Date(drift.checkedAt).toLocaleString()})` : ''}.
      </p>
    );
  return (
    <div class="diffs">
      {parts.map((p, i) => (
        <section class="diff-card" key={i} aria-label={`Diff of ${p.title}`} data-testid="diff-card">
          <h3 class="diff-title mono">{p.title || 'Difference'}</h3>
          <div class="diff-legend" aria-hidden="true">
            <span class="del">− live</span> <span class="add">+ desired</span>
          </div>
          <pre class="diff" tabIndex={0}>
            {p.lines.map((l, j) => (
              <span key={j} class={`dl ${lineClass(l)}`}>
                {l}
                {'\n'}
              </span>
            ))}
          </pre>
        </section>
      ))}
    </div>
  );
}
