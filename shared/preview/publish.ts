// Posting a preview where the PR is: GitHub (a commit status or a check run on the head SHA, and
// one issue comment found again by its marker and edited) and GitLab (a commit status and one MR
// note, likewise). Every URL passes the URL guard (DESIGN.md rule 6) and no redirect is followed;
// errors name the request, never the token.
import { redact } from '../domain/redact.js';
import type { PullRequestTarget } from '../domain/pull-request.js';
import type { SecretStore } from '../ports/secret-store.js';
import { guardedRequest } from '../source/guarded-http.js';
import type { UrlGuardOptions } from '../source/url-guard.js';
import type { PreviewProviderSettings, PreviewSettings } from './config.js';
import { previewContext, previewMarker, type PreviewReport } from './report.js';

/** A request to the provider failed; `retry` says whether a later try may help (network, 5xx, 429). */
export class PublishError extends Error {
  override name = 'PublishError';
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

export interface PublishOptions {
  guard: UrlGuardOptions;
  timeoutMs: number;
  /** Bytes of one answer read (a page of 100 comments of up to 64 KiB each fits). */
  maxResponseBytes: number;
  /** Pages of 100 comments or notes searched for the preview's own (default 10). */
  maxPages: number;
}

export const defaultPublishOptions: PublishOptions = {
  guard: {},
  timeoutMs: 10_000,
  maxResponseBytes: 8 * 1024 * 1024,
  maxPages: 10,
};

/** What was posted: the requests' short names, in order (for logs). */
export type Published = string[];

/** Posts one app's preview report on its PR. */
export interface PreviewPublisher {
  publish(app: string, target: PullRequestTarget, report: PreviewReport): Promise<Published>;
  /**
   * The paths the PR changes (old and new names of renames), as the provider lists them; undefined
   * when the list is incomplete (more than `maxFilePages` pages). Paths are the PR author's:
   * checked by the caller before use.
   */
  changedFiles(target: PullRequestTarget): Promise<unknown[] | undefined>;
}

/** Pages of 100 changed files read (GitHub lists at most 3,000 files of a PR). */
export const maxFilePages = 30;

/** Reads `path(page)` until a short page; undefined when `maxFilePages` full pages came. */
async function allPages(
  api: Api,
  path: (page: number) => string,
  pick: (entry: Record<string, unknown>) => unknown[],
) {
  const out: unknown[] = [];
  for (let page = 1; page <= maxFilePages; page++) {
    const { json } = await api.send('GET', path(page));
    if (!Array.isArray(json)) return undefined;
    for (const e of json)
      if (e !== null && typeof e === 'object') out.push(...pick(e as Record<string, unknown>));
    if (json.length < 100) return out;
  }
  return undefined;
}

interface Api {
  send(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

function apiOf(
  base: string,
  headers: () => Promise<Record<string, string>>,
  o: PublishOptions,
  what: string,
): Api {
  return {
    async send(method, path, body) {
      const url = `${base}${path}`;
      let status: number;
      const chunks: Buffer[] = [];
      try {
        const { response } = await guardedRequest(url, {
          guard: o.guard,
          method,
          headers: { ...(await headers()), 'content-type': 'application/json', 'user-agent': 'gitferry' },
          ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }),
          timeoutMs: o.timeoutMs,
          maxRedirects: 0,
          what,
        });
        status = response.statusCode ?? 0;
        let size = 0;
        for await (const chunk of response as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > o.maxResponseBytes) {
            response.destroy();
            throw new PublishError(
              `${what} ${method} ${path}: answer larger than ${o.maxResponseBytes} bytes`,
              false,
            );
          }
          chunks.push(chunk);
        }
      } catch (err) {
        if (err instanceof PublishError) throw err;
        const e = err as Error & { code?: string };
        throw new PublishError(redact(e.message), e.code !== 'source:url-refused');
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (status < 200 || status >= 300) {
        const said = text.slice(0, 200).replace(/\s+/g, ' ');
        throw new PublishError(
          redact(`${what} ${method} ${path} answered ${status}: ${said}`),
          status >= 500 || status === 429 || status === 408,
        );
      }
      try {
        return { status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
      } catch {
        return { status, json: undefined };
      }
    },
  };
}

async function tokenOf(secrets: SecretStore, name: string, what: string): Promise<string> {
  const v = (await secrets.get(name))?.trim();
  if (!v) throw new PublishError(`${what}: secret ${name} is not set`, false);
  return v;
}

interface Comment {
  id: number;
  body: string;
  author?: string;
}

/** Comments as listed: only well-formed entries (an id and a string body) are considered. */
function commentsOf(json: unknown, authorOf: (c: Record<string, unknown>) => unknown): Comment[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((c: unknown) => {
    if (c === null || typeof c !== 'object') return [];
    const o = c as Record<string, unknown>;
    if (typeof o.id !== 'number' || !Number.isSafeInteger(o.id) || typeof o.body !== 'string') return [];
    const author = authorOf(o);
    return [{ id: o.id, body: o.body, ...(typeof author === 'string' ? { author } : {}) }];
  });
}

/** The preview's own comment among pages of comments: its marker first, by the configured author if any. */
async function findComment(
  api: Api,
  listPath: (page: number) => string,
  marker: string,
  settings: PreviewProviderSettings,
  o: PublishOptions,
  authorOf: (c: Record<string, unknown>) => unknown,
): Promise<number | undefined> {
  for (let page = 1; page <= o.maxPages; page++) {
    const { json } = await api.send('GET', listPath(page));
    const comments = commentsOf(json, authorOf);
    const mine = comments.find(
      (c) =>
        (c.body === marker || c.body.startsWith(`${marker}\n`)) &&
        (settings.commentAuthor === undefined || c.author === settings.commentAuthor),
    );
    if (mine) return mine.id;
    if (!Array.isArray(json) || json.length < 100) return undefined;
  }
  return undefined;
}

/** GitHub: a status or check run on the head SHA, then the comment (PATCHed when it exists). */
export class GitHubPreviewPublisher implements PreviewPublisher {
  private readonly o: PublishOptions;
  constructor(
    private readonly settings: PreviewProviderSettings,
    private readonly report: PreviewSettings['githubReport'],
    private readonly secrets: SecretStore,
    options: Partial<PublishOptions> = {},
  ) {
    this.o = { ...defaultPublishOptions, ...options };
  }

  private api(): Api {
    const s = this.settings;
    return apiOf(
      s.apiURL,
      async () => ({
        authorization: `Bearer ${await tokenOf(this.secrets, s.tokenSecret, 'GitHub preview')}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      }),
      this.o,
      'GitHub preview',
    );
  }

  changedFiles(t: PullRequestTarget): Promise<unknown[] | undefined> {
    return allPages(
      this.api(),
      (page) => `/repos/${t.repo}/pulls/${t.number}/files?per_page=100&page=${page}`,
      (e) => [e.filename, ...(e.previous_filename === undefined ? [] : [e.previous_filename])],
    );
  }

  async publish(app: string, t: PullRequestTarget, r: PreviewReport): Promise<Published> {
    const s = this.settings;
    const api = this.api();
    const repo = `/repos/${t.repo}`;
    const sent: Published = [];
    if (this.report === 'check-run') {
      const conclusion = {
        changes: 'success',
        'no-changes': 'success',
        failed: 'failure',
        skipped: 'neutral',
      }[r.outcome];
      await api.send('POST', `${repo}/check-runs`, {
        name: previewContext(app),
        head_sha: t.headSha,
        status: 'completed',
        conclusion,
        ...(t.url ? { details_url: t.url } : {}),
        output: { title: r.title, summary: r.summary, ...(r.comment ? { text: r.comment } : {}) },
      });
      sent.push('check-run');
    } else {
      await api.send('POST', `${repo}/statuses/${t.headSha}`, {
        state: r.outcome === 'failed' ? 'failure' : 'success',
        context: previewContext(app),
        description: r.summary,
        ...(t.url ? { target_url: t.url } : {}),
      });
      sent.push('status');
    }
    if (r.comment === undefined) return sent;
    const id = await findComment(
      api,
      (page) => `${repo}/issues/${t.number}/comments?per_page=100&page=${page}`,
      previewMarker(app),
      s,
      this.o,
      (c) => (c.user as Record<string, unknown> | null | undefined)?.login,
    );
    if (id === undefined) {
      await api.send('POST', `${repo}/issues/${t.number}/comments`, { body: r.comment });
      sent.push('comment created');
    } else {
      await api.send('PATCH', `${repo}/issues/comments/${id}`, { body: r.comment });
      sent.push('comment edited');
    }
    return sent;
  }
}

/** GitLab: a commit status on the head SHA, then the MR note (PUT when it exists). */
export class GitLabPreviewPublisher implements PreviewPublisher {
  private readonly o: PublishOptions;
  constructor(
    private readonly settings: PreviewProviderSettings,
    private readonly secrets: SecretStore,
    options: Partial<PublishOptions> = {},
  ) {
    this.o = { ...defaultPublishOptions, ...options };
  }

  private api(): Api {
    const s = this.settings;
    return apiOf(
      s.apiURL,
      async () => ({ 'private-token': await tokenOf(this.secrets, s.tokenSecret, 'GitLab preview') }),
      this.o,
      'GitLab preview',
    );
  }

  changedFiles(t: PullRequestTarget): Promise<unknown[] | undefined> {
    return allPages(
      this.api(),
      (page) =>
        `/projects/${encodeURIComponent(t.repo)}/merge_requests/${t.number}/diffs?per_page=100&page=${page}`,
      (e) => [e.old_path, e.new_path],
    );
  }

  async publish(app: string, t: PullRequestTarget, r: PreviewReport): Promise<Published> {
    const s = this.settings;
    const api = this.api();
    const project = `/projects/${encodeURIComponent(t.repo)}`;
    await api.send('POST', `${project}/statuses/${t.headSha}`, {
      state: r.outcome === 'failed' ? 'failed' : 'success',
      name: previewContext(app),
      description: r.summary,
      ...(t.url ? { target_url: t.url } : {}),
    });
    const sent: Published = ['status'];
    if (r.comment === undefined) return sent;
    const notes = `${project}/merge_requests/${t.number}/notes`;
    const id = await findComment(
      api,
      (page) => `${notes}?per_page=100&page=${page}&sort=asc`,
      previewMarker(app),
      s,
      this.o,
      (c) => (c.author as Record<string, unknown> | null | undefined)?.username,
    );
    if (id === undefined) {
      await api.send('POST', notes, { body: r.comment });
      sent.push('note created');
    } else {
      await api.send('PUT', `${notes}/${id}`, { body: r.comment });
      sent.push('note edited');
    }
    return sent;
  }
}
