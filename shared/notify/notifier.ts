// The services' requests (GitHub commit statuses and Deployments with a token or a GitHub App,
// GitLab commit statuses, Slack incoming webhooks, signed webhooks), sent through the guarded HTTP
// client: every URL passes the URL guard at connect time, as git remotes
// do (DESIGN.md safety rule 6). Each notification is tried a bounded number of times with backoff;
// `deliver` never throws, and no error quotes a secret or a URL's credentials.
import { createHmac } from 'node:crypto';
import type { AppStatus } from '../domain/status.js';
import { redact } from '../domain/redact.js';
import type { DeliveryResult, Notification, Notifier } from '../ports/notifier.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { UrlGuardOptions } from '../source/url-guard.js';
import { configuredServices, type NotificationConfig } from './config.js';
import { sendGithubDeploymentStatus, sendGithubStatus, urlOf } from './github.js';
import { GithubAppAuth, githubTokenAuth, readSecret, type GithubAuth } from './github-auth.js';
import { sendGitlabStatus } from './gitlab.js';
import { DeliveryError, sendServiceRequest, type ServiceRequest, type ServiceResponse } from './http.js';
import { defaultTemplates, renderTemplate, templateValues } from './template.js';

export { githubRepoOf } from './github.js';

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
  /** A GitHub App's installation token is replaced this long before it expires. */
  tokenRefreshBeforeMs: number;
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
  tokenRefreshBeforeMs: 5 * 60_000,
};

export class HttpNotifier implements Notifier {
  private readonly o: NotifierOptions;
  private readonly githubAuth?: GithubAuth;

  constructor(
    private readonly config: NotificationConfig,
    private readonly secrets: SecretStore,
    options: Partial<NotifierOptions> = {},
  ) {
    this.o = { ...defaultNotifierOptions, ...options };
    const g = config.github;
    if (g?.app)
      this.githubAuth = new GithubAppAuth({ apiURL: g.apiURL, ...g.app }, secrets, {
        http: this.o,
        now: this.o.now,
        refreshBeforeMs: this.o.tokenRefreshBeforeMs,
        maxCached: 1000,
      });
    else if (g?.tokenSecret) this.githubAuth = githubTokenAuth(secrets, g.tokenSecret);
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
    let retry = true;
    for (;;) {
      attempts++;
      try {
        await this.sendOne(n);
        return { key: n.key, ok: true, attempts };
      } catch (err) {
        last = (err as Error).message;
        retry = !(err instanceof DeliveryError) || err.retry;
        if (!retry || attempts >= this.o.attempts) break;
        const waits = this.o.backoffMs;
        const wait = waits[Math.min(attempts - 1, waits.length - 1)] ?? 0;
        if (this.o.now() + wait >= deadline) break;
        await this.o.sleep(wait);
      }
    }
    return {
      key: n.key,
      ok: false,
      attempts,
      retry,
      error: redact(`${n.service} ${n.trigger}: ${last}`).slice(0, 500),
    };
  }

  private message(n: Notification): string {
    return renderTemplate(this.config.templates[n.trigger] ?? defaultTemplates[n.trigger], templateValues(n));
  }

  private readonly send = (r: ServiceRequest): Promise<ServiceResponse> => sendServiceRequest(this.o, r);

  /** The requests one notification makes (each retry makes them again, with the same bodies). */
  private async sendOne(n: Notification): Promise<void> {
    const values = templateValues(n);
    const g = this.config.github;
    if (n.service === 'github' && g && this.githubAuth) {
      return sendGithubStatus(this.send, n, {
        apiURL: g.apiURL,
        auth: this.githubAuth,
        context: renderTemplate(g.context, values, 255),
        description: this.message(n),
        targetURL: urlOf(g.targetURL, values),
      });
    }
    const d = this.config.githubDeployment;
    if (n.service === 'github-deployment' && d && g && this.githubAuth) {
      return sendGithubDeploymentStatus(this.send, n, {
        apiURL: g.apiURL,
        auth: this.githubAuth,
        environment: renderTemplate(d.environment, values, 255),
        description: this.message(n),
        environmentURL: urlOf(d.environmentURL ?? g.targetURL, values),
        logURL: urlOf(d.logURL ?? g.targetURL, values),
      });
    }
    const l = this.config.gitlab;
    if (n.service === 'gitlab' && l) {
      return sendGitlabStatus(this.send, n, {
        apiURL: l.apiURL,
        token: await readSecret(this.secrets, l.tokenSecret, 'GitLab status'),
        authHeader: l.authHeader,
        name: renderTemplate(l.name, values, 255),
        description: this.message(n),
        targetURL: urlOf(l.targetURL, values),
      });
    }
    if (n.service === 'slack' && this.config.slack) {
      const url = await readSecret(this.secrets, this.config.slack.webhookURLSecret, 'Slack webhook');
      await this.send({
        method: 'POST',
        url,
        headers: {},
        body: JSON.stringify({ text: this.message(n) }),
        what: 'Slack webhook',
        urlIsSecret: true,
      });
      return;
    }
    const hook = this.config.webhooks[n.service];
    if (hook) {
      const body = JSON.stringify(webhookBody(n, this.message(n)));
      const headers: Record<string, string> = { 'x-gitferry-event': n.trigger };
      if (hook.secret) {
        const key = await readSecret(this.secrets, hook.secret, `webhook ${n.service}`);
        headers['x-gitferry-signature-256'] =
          `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
      }
      await this.send({ method: 'POST', url: hook.url, headers, body, what: `webhook ${n.service}` });
      return;
    }
    throw new DeliveryError(`service ${n.service} is not configured`, false);
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
