// The services' requests (GitHub commit statuses, Slack incoming webhooks, signed webhooks), sent
// through the guarded HTTP client: every URL passes the URL guard at connect time, as git remotes
// do (DESIGN.md safety rule 6). Each notification is tried a bounded number of times with backoff;
// `deliver` never throws, and no error quotes a secret or a URL's credentials.
import { createHmac } from 'node:crypto';
import type { AppStatus } from '../domain/status.js';
import { redact } from '../domain/redact.js';
import type { DeliveryResult, Notification, Notifier } from '../ports/notifier.js';
import type { SecretStore } from '../ports/secret-store.js';
import { guardedRequest } from '../source/guarded-http.js';
import { redactUrl, type UrlGuardOptions } from '../source/url-guard.js';
import { configuredServices, type NotificationConfig } from './config.js';
import { defaultTemplates, renderTemplate, templateValues } from './template.js';

export interface NotifierOptions {
  guard: UrlGuardOptions;
  /** Tries per notification (the first and its retries). */
  attempts: number;
  /** Waits before each retry, in ms; the last one repeats. */
  backoffMs: number[];
  /** One request's time limit. */
  timeoutMs: number;
  /**
   * All of one `deliver` call's time (the worker waits for it before its next step): notifications
   * not started within it fail as not tried, and no retry starts after it.
   */
  budgetMs: number;
  now: () => number;
  /** Bytes of a response read (for its error message); the rest is dropped. */
  maxResponseBytes: number;
  sleep: (ms: number) => Promise<void>;
}

export const defaultNotifierOptions: NotifierOptions = {
  guard: {},
  attempts: 3,
  backoffMs: [500, 2000],
  timeoutMs: 10_000,
  budgetMs: 30_000,
  now: Date.now,
  maxResponseBytes: 16 * 1024,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** A request failed; `retry` says whether another try may help (network, 5xx, 429). */
class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

interface Outgoing {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** How errors name the request, without secrets (`GitHub status`, `Slack webhook`). */
  what: string;
  /** The URL is a secret (Slack's incoming webhook URL): errors never show its path. */
  urlIsSecret?: boolean;
}

/** GitHub's commit status states, per trigger. */
const githubStates: Record<Notification['trigger'], 'pending' | 'success' | 'failure' | 'error'> = {
  'on-sync-running': 'pending',
  'on-sync-succeeded': 'success',
  'on-deployed': 'success',
  'on-sync-failed': 'failure',
  'on-health-degraded': 'failure',
  'on-sync-status-unknown': 'error',
  'on-rollback': 'failure',
};

/** owner/repo of a GitHub repository URL (https://host/owner/repo(.git)); undefined for others. */
export function githubRepoOf(repoURL: string): { owner: string; repo: string } | undefined {
  let u: URL;
  try {
    u = new URL(repoURL);
  } catch {
    return undefined;
  }
  const parts = u.pathname
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  if (parts.length !== 2) return undefined;
  const [owner, repo] = parts as [string, string];
  const ok = /^[A-Za-z0-9_.-]{1,100}$/;
  return ok.test(owner) && ok.test(repo) && owner !== '.' && owner !== '..' && repo !== '.' && repo !== '..'
    ? { owner, repo }
    : undefined;
}

export class HttpNotifier implements Notifier {
  private readonly o: NotifierOptions;

  constructor(
    private readonly config: NotificationConfig,
    private readonly secrets: SecretStore,
    options: Partial<NotifierOptions> = {},
  ) {
    this.o = { ...defaultNotifierOptions, ...options };
  }

  services(): string[] {
    return configuredServices(this.config);
  }

  async deliver(notifications: Notification[]): Promise<DeliveryResult[]> {
    const results: DeliveryResult[] = [];
    const deadline = this.o.now() + this.o.budgetMs;
    // One at a time: a GitHub status's pending must land before its success.
    for (const n of notifications)
      results.push(
        this.o.now() < deadline
          ? await this.deliverOne(n, deadline)
          : {
              key: n.key,
              ok: false,
              attempts: 0,
              error: `${n.service} ${n.trigger}: not tried, the delivery budget was spent`,
            },
      );
    return results;
  }

  private async deliverOne(n: Notification, deadline: number): Promise<DeliveryResult> {
    let attempts = 0;
    let last = '';
    try {
      const out = await this.requestOf(n);
      for (;;) {
        attempts++;
        try {
          await this.post(out);
          return { key: n.key, ok: true, attempts };
        } catch (err) {
          last = (err as Error).message;
          const retry = !(err instanceof DeliveryError) || err.retry;
          if (!retry || attempts >= this.o.attempts) break;
          const waits = this.o.backoffMs;
          const wait = waits[Math.min(attempts - 1, waits.length - 1)] ?? 0;
          if (this.o.now() + wait >= deadline) break;
          await this.o.sleep(wait);
        }
      }
    } catch (err) {
      last = (err as Error).message;
    }
    return {
      key: n.key,
      ok: false,
      attempts,
      error: redact(`${n.service} ${n.trigger}: ${last}`).slice(0, 500),
    };
  }

  private message(n: Notification): string {
    return renderTemplate(this.config.templates[n.trigger] ?? defaultTemplates[n.trigger], templateValues(n));
  }

  private async secret(name: string, what: string): Promise<string> {
    const v = await this.secrets.get(name);
    if (v === undefined || v === '') throw new DeliveryError(`${what}: secret ${name} is not set`, false);
    return v.trim();
  }

  /** The one request a notification makes (built once; the same bytes on each retry). */
  private async requestOf(n: Notification): Promise<Outgoing> {
    if (n.service === 'github' && this.config.github) {
      const g = this.config.github;
      const repo = githubRepoOf(n.repoURL);
      if (!repo) throw new DeliveryError(`GitHub status: ${n.repoURL} is not an owner/repo URL`, false);
      if (!/^[0-9a-f]{40}$/.test(n.revision))
        throw new DeliveryError(
          `GitHub status: revision ${JSON.stringify(n.revision.slice(0, 80))} is not a commit SHA`,
          false,
        );
      const values = templateValues(n);
      const target = g.targetURL ? renderTemplate(g.targetURL, values, 2000) : undefined;
      const body = {
        state: githubStates[n.trigger],
        context: renderTemplate(g.context, values, 255),
        // GitHub keeps at most 140 characters of a status description.
        description: renderTemplate(this.message(n), values, 140),
        ...(target && /^https?:\/\//.test(target) ? { target_url: target } : {}),
      };
      const token = await this.secret(g.tokenSecret, 'GitHub status');
      return {
        url: `${g.apiURL}/repos/${repo.owner}/${repo.repo}/statuses/${n.revision}`,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'gitferry',
        },
        body: JSON.stringify(body),
        what: 'GitHub status',
      };
    }
    if (n.service === 'slack' && this.config.slack) {
      const url = await this.secret(this.config.slack.webhookURLSecret, 'Slack webhook');
      return {
        url,
        headers: {},
        body: JSON.stringify({ text: this.message(n) }),
        what: 'Slack webhook',
        urlIsSecret: true,
      };
    }
    const hook = this.config.webhooks[n.service];
    if (hook) {
      const body = JSON.stringify(webhookBody(n, this.message(n)));
      const headers: Record<string, string> = { 'x-gitferry-event': n.trigger };
      if (hook.secret) {
        const key = await this.secret(hook.secret, `webhook ${n.service}`);
        headers['x-gitferry-signature-256'] =
          `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
      }
      return { url: hook.url, headers, body, what: `webhook ${n.service}` };
    }
    throw new DeliveryError(`service ${n.service} is not configured`, false);
  }

  private async post(out: Outgoing): Promise<void> {
    const shown = redactUrl(out.url);
    let status: number;
    let text = '';
    try {
      const { response } = await guardedRequest(out.url, {
        guard: this.o.guard,
        method: 'POST',
        headers: { ...out.headers, 'content-type': 'application/json' },
        body: Buffer.from(out.body),
        timeoutMs: this.o.timeoutMs,
        // A redirect would re-send the body elsewhere: none is followed.
        maxRedirects: 0,
        what: out.what,
      });
      status = response.statusCode ?? 0;
      let size = 0;
      for await (const chunk of response as AsyncIterable<Buffer>) {
        if (size < this.o.maxResponseBytes) text += chunk.toString('utf8');
        size += chunk.length;
      }
    } catch (err) {
      const e = err as Error & { code?: string };
      // A refused URL will be refused again, a redirect followed again; a network failure may pass.
      const final = e.code === 'source:url-refused' || /too many redirects/.test(e.message);
      throw new DeliveryError(this.scrub(out, e.message), !final);
    }
    if (status >= 200 && status < 300) return;
    const retry = status >= 500 || status === 429 || status === 408;
    const said = text.slice(0, 200).replace(/\s+/g, ' ');
    throw new DeliveryError(this.scrub(out, `${out.what} ${shown} answered ${status}: ${said}`), retry);
  }

  /** A URL that is itself the secret (a Slack webhook's path) shows as its origin only. */
  private scrub(out: Outgoing, message: string): string {
    if (!out.urlIsSecret) return message;
    let origin = '(secret URL)';
    try {
      origin = `${new URL(out.url).origin}/…`;
    } catch {
      // not a URL: the placeholder
    }
    return message.split(redactUrl(out.url)).join(origin).split(out.url).join(origin);
  }
}

/** What a generic webhook receives. */
export function webhookBody(n: Notification, message: string): Record<string, unknown> {
  const s: AppStatus = n.status;
  return {
    app: n.app,
    project: n.project,
    trigger: n.trigger,
    recipient: n.recipient,
    revision: n.revision,
    repoURL: n.repoURL,
    phase: s.operation?.phase ?? null,
    sync: s.sync.status,
    health: s.health.status,
    message,
  };
}
