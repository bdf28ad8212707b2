// The worker's side of a preview job: what merging a pull request would change in the app's
// cluster. The PR's head is attacker-controlled, so it goes through exactly what a sync's render
// does (same fetch by SHA, sandbox, budgets and URL guard), then a server-side dry run with the
// app's sync options and its project's scope; the per-object diff is posted on the PR. Nothing of
// the app's own state is read for writing or changed: no lease, no status, no history.
import type { App } from '../domain/app.js';
import type { PullRequestTarget } from '../domain/pull-request.js';
import { repoMatchKey } from '../domain/repo-url.js';
import type { SyncJob } from '../domain/sync-job.js';
import { ResourceManager } from '../engine/resource-manager.js';
import { stepSync } from '../engine/sync-operation.js';
import { resolveRevision } from '../source/git.js';
import { chartRevisionOf } from '../source/chart-revision.js';
import { clusterOf, projectOf, type Control } from '../control/deps.js';
import { renderDesiredWithChildren } from '../control/desired-state.js';
import { checkAppScope } from '../control/project-scope.js';
import { syncOptionsOf } from '../control/sync-options.js';
import { manifestGeneratePathsAnnotation, touchesPaths } from '../control/push-intake.js';
import type { PreviewSettings } from './config.js';
import { repoKeysOf } from './intake.js';
import { PublishError, type PreviewPublisher } from './publish.js';
import { buildPreviewReport, type PreviewFindings } from './report.js';

export type PreviewJobOutcome =
  'previewed' | 'skipped-fork' | 'gone' | 'not-configured' | 'invalid' | 'not-affected' | 'publish-failed';

export interface PreviewDeps {
  control: Control;
  settings: PreviewSettings;
  publishers: Partial<Record<PullRequestTarget['provider'], PreviewPublisher>>;
}

const githubRepo = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/** The job's PR, checked again (a queue body is data like any other): undefined when malformed. */
export function checkedTarget(job: SyncJob): PullRequestTarget | undefined {
  const t = job.preview;
  if (!t || typeof t !== 'object') return undefined;
  const ok =
    (t.provider === 'github'
      ? githubRepo.test(t.repo)
      : t.provider === 'gitlab' && /^[1-9][0-9]{0,15}$/.test(t.repo)) &&
    Number.isSafeInteger(t.number) &&
    t.number > 0 &&
    typeof t.headSha === 'string' &&
    /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(t.headSha) &&
    typeof t.headRef === 'string' &&
    typeof t.baseRef === 'string' &&
    Array.isArray(t.repoUrls) &&
    t.repoUrls.every((u) => typeof u === 'string') &&
    typeof t.fork === 'boolean' &&
    (t.url === undefined || (typeof t.url === 'string' && /^https?:\/\/\S{1,2000}$/.test(t.url)));
  return ok ? t : undefined;
}

/**
 * Each source's revision for the preview: the PR's head SHA for sources in the PR's repository,
 * the chart version for charts, and the branch head now for other repositories.
 */
async function previewRevisions(c: Control, app: App, t: PullRequestTarget): Promise<string[]> {
  const keys = repoKeysOf(t.repoUrls);
  return Promise.all(
    app.sources.map(async (s) => {
      if (s.chart) return chartRevisionOf(s.targetRevision);
      let inPr = false;
      try {
        inPr = keys.has(repoMatchKey(s.repoURL));
      } catch {
        inPr = false;
      }
      if (inPr) return t.headSha;
      return resolveRevision(s.repoURL, s.targetRevision, {
        credentials: await c.credentials(s.repoURL),
        guard: c.o.guard,
      });
    }),
  );
}

/** Renders and dry-runs app at the PR's head: the findings a report is built from. */
export async function previewApp(c: Control, app: App, t: PullRequestTarget): Promise<PreviewFindings> {
  const base = { app: app.name, target: t };
  const [cluster, project] = await Promise.all([clusterOf(c, app), projectOf(c, app)]);
  if (!cluster)
    return {
      ...base,
      failure: `destination cluster ${app.destination.name ?? app.destination.server} is not registered`,
    };
  if (!project) return { ...base, failure: `project ${app.project} does not exist` };
  const destination = `${cluster.name}/${app.destination.namespace ?? 'default'}`;
  const scope = checkAppScope(app, project, cluster);
  if (scope.length > 0) return { ...base, destination, failure: scope.join('\n') };
  const rm = new ResourceManager(await c.connector.connect(cluster), c.o.engine);
  try {
    let rendered: Awaited<ReturnType<typeof renderDesiredWithChildren>>;
    try {
      const revisions = await previewRevisions(c, app, t);
      rendered = await renderDesiredWithChildren(c, app, revisions.join(' '), rm);
    } catch (err) {
      return { ...base, destination, failure: `render failed: ${(err as Error).message}` };
    }
    const inventory = await c.store.getInventory(app.name);
    const { state } = await stepSync(
      rm,
      {
        desired: rendered.objects,
        inventory,
        options: {
          // The sync a merge would start: the app's options, its project's scope (admit), as a dry run.
          ...syncOptionsOf(app, project, undefined, cluster, c.o.syncTimeoutMs),
          ...(rendered.hasChildren ? { allowEmpty: true } : {}),
          dryRun: true,
          prune: true,
        },
      },
      undefined,
      c.clock,
    );
    if (state.phase !== 'Succeeded')
      return { ...base, destination, results: state.results, failure: state.message ?? 'dry run failed' };
    return { ...base, destination, results: state.results, warnings: state.warnings };
  } finally {
    rm.close();
  }
}

/**
 * A changed path as a provider lists it, or why it is refused: the PR's author chose it, so only
 * a clean relative path is compared with the app's paths (no `..`, `.` or empty segments, no
 * leading `/`, no control characters, at most 4,096 characters).
 */
export function refusedChangedPath(path: unknown): string | undefined {
  if (typeof path !== 'string') return 'is not a string';
  if (path.length === 0 || path.length > 4096) return 'is empty or longer than 4096 characters';
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return 'has a control character or a backslash';
  if (path.split('/').some((seg) => seg === '' || seg === '.' || seg === '..'))
    return 'is not a clean relative path';
  return undefined;
}

/**
 * Whether the PR touches the app, for apps that name their paths (Argo CD's
 * manifest-generate-paths annotation): true when it does, or when the PR's file list is
 * incomplete, unreadable or holds a path that is not a clean relative one (then every app is
 * previewed, as without the annotation). Apps without the annotation are always previewed.
 */
async function touchesApp(
  c: Control,
  publisher: PreviewPublisher,
  app: App,
  t: PullRequestTarget,
): Promise<boolean> {
  if (!app.annotations[manifestGeneratePathsAnnotation]) return true;
  let listed: unknown[] | undefined;
  try {
    listed = await publisher.changedFiles(t);
  } catch (err) {
    if (err instanceof PublishError && !err.retry) {
      c.log.warn("the pull request's changed files could not be listed: previewing the app", {
        app: app.name,
        detail: err.message,
      });
      return true;
    }
    throw err;
  }
  if (listed === undefined) return true;
  for (const p of listed) {
    const why = refusedChangedPath(p);
    if (why !== undefined) {
      c.log.warn('a changed path of the pull request is refused: previewing the app', {
        app: app.name,
        path: JSON.stringify(String(p).slice(0, 200)),
        why,
      });
      return true;
    }
  }
  const keys = repoKeysOf(t.repoUrls);
  return app.sources.some((s) => {
    try {
      return !s.chart && keys.has(repoMatchKey(s.repoURL)) && touchesPaths(app, s.path, listed as string[]);
    } catch {
      return false;
    }
  });
}

/**
 * Runs one preview job: checks it, skips a fork's PR unless forks are allowed (saying so on the
 * PR), previews and posts. A provider's refusal (4xx, no token) is logged and not retried; a
 * network failure or 5xx throws, so the queue redelivers (posting again edits the same comment).
 */
export async function runPreviewJob(deps: PreviewDeps, job: SyncJob): Promise<PreviewJobOutcome> {
  const { control: c, settings } = deps;
  const t = checkedTarget(job);
  if (!t) {
    c.log.warn('preview job refused: its pull request fields are malformed', { app: job.app });
    return 'invalid';
  }
  const fields = { app: job.app, provider: t.provider, pullRequest: t.number, revision: t.headSha };
  const publisher = deps.publishers[t.provider];
  if (!publisher) {
    c.log.info(`preview not configured for ${t.provider}`, fields);
    return 'not-configured';
  }
  const app = await c.store.getApp(job.app);
  if (!app) return 'gone';
  let findings: PreviewFindings;
  let outcome: PreviewJobOutcome = 'previewed';
  if (t.fork && !settings.forks) {
    findings = {
      app: app.name,
      target: t,
      skipped: 'pull requests from forks are not previewed (preview.forks is off)',
    };
    outcome = 'skipped-fork';
  } else if (!(await touchesApp(c, publisher, app, t))) {
    c.log.info("the pull request touches none of the app's manifest-generate-paths: not previewed", fields);
    return 'not-affected';
  } else {
    findings = await previewApp(c, app, t);
  }
  const report = buildPreviewReport(findings, { maxCommentBytes: settings.maxCommentBytes });
  try {
    const sent = await publisher.publish(app.name, t, report);
    c.log.info('preview posted', { ...fields, outcome: report.outcome, sent });
    return outcome;
  } catch (err) {
    if (err instanceof PublishError && !err.retry) {
      c.log.error('preview could not be posted', { ...fields, detail: err.message });
      return 'publish-failed';
    }
    throw err;
  }
}
