// What a preview says on the pull request: one comment per app (found again by its hidden marker
// and edited on later pushes), and a one-line summary for the commit status or check run. Pure:
// the ChangeSet of a server-side dry run in, markdown out. The diffs come from the engine's diff
// (engine/diff.ts: normalised YAML, Secret values masked); here every piece is bounded and any
// text from the repository or the cluster stays inside code fences it cannot close.
import { summarize, type ChangeSetEntry } from '../domain/change-set.js';
import { formatRef } from '../domain/kube-object.js';
import type { PullRequestTarget } from '../domain/pull-request.js';
import { redact } from '../domain/redact.js';
import { truncateDiff } from '../engine/diff.js';

/** How a preview ended; the status's state and the check's conclusion follow from it. */
export type PreviewOutcome = 'changes' | 'no-changes' | 'failed' | 'skipped';

export interface PreviewReportOptions {
  /**
   * The comment's whole size, in bytes (default 60,000: GitHub keeps at most 65,536 characters of
   * a comment or a check run's text). Diffs past it are left out, and the comment says how many.
   */
  maxCommentBytes: number;
  /** One object's diff, in bytes, cut at a line and said so (default 16 KiB). */
  maxObjectDiffBytes: number;
  /** Objects listed in the table (default 200); the rest are counted. */
  maxTableRows: number;
}

export const defaultPreviewReportOptions: PreviewReportOptions = {
  maxCommentBytes: 60_000,
  maxObjectDiffBytes: 16 * 1024,
  maxTableRows: 200,
};

/** What the preview of one app found. */
export interface PreviewFindings {
  app: string;
  target: Pick<PullRequestTarget, 'headSha' | 'headRef' | 'fork'>;
  /** Where the dry run ran: `cluster/namespace`. */
  destination?: string;
  /** The dry run's per-object results (absent when it did not run). */
  results?: ChangeSetEntry[];
  /** Why it failed: a render, scope or dry-run error (names the object). */
  failure?: string;
  /** Why it was not previewed at all (a fork without opt-in). */
  skipped?: string;
  warnings?: string[];
}

export interface PreviewReport {
  outcome: PreviewOutcome;
  /** One line, at most 140 characters (GitHub's limit for a status description). */
  summary: string;
  /** The check run's title. */
  title: string;
  /** The comment, starting with its marker line; undefined when no comment is posted (skipped). */
  comment?: string;
}

/** The hidden line a preview comment starts with: how later pushes find it again. */
export function previewMarker(app: string): string {
  return `<!-- gitferry-preview:${app} -->`;
}

/** The context (status) or name (check run) a preview is posted under. */
export function previewContext(app: string): string {
  return `gitferry/preview/${app}`;
}

const verbs: Partial<Record<ChangeSetEntry['action'], string>> = {
  created: 'create',
  configured: 'change',
  replaced: 'replace',
  pruned: 'prune',
  failed: 'fail',
};

/** Inline code for text from the repository or cluster: no backticks, no line breaks, bounded. */
export function inlineCode(text: string, max = 200): string {
  const clean = text.replace(/[`\r\n\u0000-\u001f\u007f]/g, ' ').slice(0, max);
  return `\`${clean.trim() === '' ? ' ' : clean}\``;
}

/** A fenced block whose fence is longer than any backtick run inside, so the text cannot close it. */
export function fenced(text: string, lang = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

function countsLine(results: ChangeSetEntry[]): string {
  const n = summarize(results.filter((r) => !r.hookPhase));
  return `${n.created} to create, ${n.configured + n.replaced} to change, ${n.pruned} to prune, ${n.unchanged} unchanged`;
}

function cut(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/** Builds the report of one app's preview. */
export function buildPreviewReport(
  f: PreviewFindings,
  opts: Partial<PreviewReportOptions> = {},
): PreviewReport {
  const o = { ...defaultPreviewReportOptions, ...opts };
  const short = f.target.headSha.slice(0, 12);
  if (f.skipped !== undefined) {
    const summary = cut(`Not previewed: ${f.skipped}`, 140);
    return { outcome: 'skipped', summary, title: summary };
  }
  const head = [
    previewMarker(f.app),
    `### Gitferry preview of ${inlineCode(f.app)}`,
    '',
    `Head ${inlineCode(short)} of ${inlineCode(f.target.headRef, 100)}${f.target.fork ? ' (from a fork)' : ''}` +
      (f.destination ? `, dry run against ${inlineCode(f.destination)}` : '') +
      '.',
    '',
  ];
  if (f.failure !== undefined) {
    const failure = redact(f.failure);
    const firstLine =
      failure.split('\n').find((l) => l.trim() !== '' && !/^refused before|^dry run failed/.test(l)) ??
      failure;
    const summary = cut(`Preview failed: ${firstLine}`, 140);
    const body = [
      ...head,
      `**The preview failed**; merging this would not sync:`,
      '',
      fenced(truncateDiff(failure, 8 * 1024)),
    ];
    return {
      outcome: 'failed',
      summary,
      title: cut(`Preview failed for ${f.app}`, 140),
      comment: bound(body.join('\n'), o),
    };
  }
  const results = (f.results ?? []).filter((r) => !r.hookPhase);
  const changed = results.filter((r) => r.action !== 'unchanged' && r.action !== 'skipped');
  const counts = countsLine(results);
  const outcome: PreviewOutcome = changed.length === 0 ? 'no-changes' : 'changes';
  const summary = cut(changed.length === 0 ? `No changes (${counts})` : counts, 140);
  const lines = [...head, `**${counts}**.`, ''];
  for (const w of f.warnings ?? []) lines.push(`> ${cut(redact(w), 300).replace(/[<>]/g, ' ')}`);
  if (changed.length > 0) {
    lines.push('| object | change |', '| --- | --- |');
    for (const r of changed.slice(0, o.maxTableRows))
      lines.push(`| ${inlineCode(formatRef(r.ref))} | ${verbs[r.action] ?? r.action} |`);
    if (changed.length > o.maxTableRows) lines.push(`| … ${changed.length - o.maxTableRows} more | |`);
    lines.push('');
  }
  let text = `${lines.join('\n')}\n`;
  const note = (left: number) =>
    `\n_… diffs of ${left} more object(s) not shown: the comment is limited to ${Math.round(o.maxCommentBytes / 1000)} kB._\n`;
  // Room for the note, so that what is kept and the note together stay under the bound.
  const room = o.maxCommentBytes - Buffer.byteLength(note(changed.length)) - 16;
  for (const [i, r] of changed.entries()) {
    const diff = redact(truncateDiff(r.diff ?? r.message ?? '', o.maxObjectDiffBytes));
    const block = `<details><summary>${inlineCode(formatRef(r.ref))} (${verbs[r.action] ?? r.action})</summary>\n\n${fenced(diff, 'diff')}\n\n</details>\n`;
    if (Buffer.byteLength(text) + Buffer.byteLength(block) > room) {
      text += note(changed.length - i);
      break;
    }
    text += block;
  }
  return { outcome, summary, title: cut(`${f.app}: ${summary}`, 140), comment: bound(text, o) };
}

/** The last guard: a comment never exceeds its bound, whatever its parts did. */
function bound(text: string, o: PreviewReportOptions): string {
  if (Buffer.byteLength(text) <= o.maxCommentBytes) return text;
  return truncateDiff(text, o.maxCommentBytes - 200);
}
