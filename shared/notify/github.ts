// GitHub's two services: commit statuses on the synced revision, and Deployments (one per app and
// cluster environment) whose statuses follow the sync. Requests as GitHub documents them:
//   POST /repos/{owner}/{repo}/statuses/{sha}              {state, context, description, target_url}
//   GET  /repos/{owner}/{repo}/deployments?sha&environment&task   (find the run's deployment)
//   POST /repos/{owner}/{repo}/deployments                 {ref, task, environment, auto_merge:false, required_contexts:[]}
//   POST /repos/{owner}/{repo}/deployments/{id}/statuses   {state, description, environment_url, log_url, auto_inactive}
// A deployment is found before it is created, so a retried or repeated notification for the same
// revision and environment reuses it: the statuses of one sync land on one deployment.
import type { Notification, TriggerName } from '../ports/notifier.js';
import type { GithubAuth } from './github-auth.js';
import { githubHeaders } from './github-auth.js';
import { DeliveryError, type ServiceRequest, type ServiceResponse } from './http.js';
import { cutText, renderTemplate } from './template.js';

/** GitHub's commit status states, per trigger. */
export const githubStatusStates: Record<TriggerName, 'pending' | 'success' | 'failure' | 'error'> = {
  'on-sync-running': 'pending',
  'on-sync-succeeded': 'success',
  'on-deployed': 'success',
  'on-sync-failed': 'failure',
  'on-health-degraded': 'failure',
  'on-sync-status-unknown': 'error',
  'on-rollback': 'failure',
};

/** GitHub's deployment status states, per trigger. */
export const githubDeploymentStates: Record<TriggerName, 'in_progress' | 'success' | 'failure' | 'error'> = {
  'on-sync-running': 'in_progress',
  'on-sync-succeeded': 'success',
  'on-deployed': 'success',
  'on-sync-failed': 'failure',
  'on-health-degraded': 'failure',
  'on-sync-status-unknown': 'error',
  'on-rollback': 'failure',
};

/** The task Gitferry's deployments carry, so it finds its own and no one else's. */
export const deploymentTask = 'deploy:gitferry';

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

/**
 * Whether a repo host is served by a GitHub API (github.com by api.github.com, ACME.ghe.com by
 * api.ACME.ghe.com, a GitHub Enterprise Server by HOST/api/v3): statuses for a repo elsewhere would
 * land on a same-named repo of the configured GitHub, so none are sent.
 */
export function servedBy(repoURL: string, apiURL: string): boolean {
  try {
    const repoHost = new URL(repoURL).hostname.toLowerCase();
    const apiHost = new URL(apiURL).hostname.toLowerCase();
    return repoHost === apiHost || apiHost === `api.${repoHost}`;
  } catch {
    return false;
  }
}

/** The repo and SHA a GitHub request is about, or a final error naming what is wrong. */
export function githubTarget(
  n: Notification,
  apiURL: string,
  what: string,
): { owner: string; repo: string; sha: string } {
  if (!servedBy(n.repoURL, apiURL))
    throw new DeliveryError(`${what}: ${n.repoURL} is not on the GitHub at ${new URL(apiURL).origin}`, false);
  const repo = githubRepoOf(n.repoURL);
  if (!repo) throw new DeliveryError(`${what}: ${n.repoURL} is not an owner/repo URL`, false);
  if (!/^[0-9a-f]{40}$/.test(n.revision))
    throw new DeliveryError(
      `${what}: revision ${JSON.stringify(n.revision.slice(0, 80))} is not a commit SHA`,
      false,
    );
  return { ...repo, sha: n.revision };
}

/** A rendered URL template, kept only when it is an http(s) URL. */
export function urlOf(template: string | undefined, values: Record<string, string>): string | undefined {
  const url = template ? renderTemplate(template, values, 2000) : undefined;
  return url && /^https?:\/\/[^\s]+$/.test(url) ? url : undefined;
}

export type Send = (r: ServiceRequest) => Promise<ServiceResponse>;

export interface GithubStatusInput {
  apiURL: string;
  auth: GithubAuth;
  context: string;
  description: string;
  targetURL?: string;
}

export async function sendGithubStatus(send: Send, n: Notification, i: GithubStatusInput): Promise<void> {
  const t = githubTarget(n, i.apiURL, 'GitHub status');
  const body = {
    state: githubStatusStates[n.trigger],
    context: i.context,
    // GitHub keeps at most 140 characters of a status description.
    description: cutText(i.description, 140),
    ...(i.targetURL ? { target_url: i.targetURL } : {}),
  };
  const token = await i.auth.tokenFor(t.owner, t.repo);
  await send({
    method: 'POST',
    url: `${i.apiURL}/repos/${t.owner}/${t.repo}/statuses/${t.sha}`,
    headers: { ...githubHeaders, authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    what: 'GitHub status',
  });
}

export interface GithubDeploymentInput {
  apiURL: string;
  auth: GithubAuth;
  environment: string;
  description: string;
  environmentURL?: string;
  logURL?: string;
}

export async function sendGithubDeploymentStatus(
  send: Send,
  n: Notification,
  i: GithubDeploymentInput,
): Promise<void> {
  const t = githubTarget(n, i.apiURL, 'GitHub deployment');
  const token = await i.auth.tokenFor(t.owner, t.repo);
  const headers = { ...githubHeaders, authorization: `Bearer ${token}` };
  const base = `${i.apiURL}/repos/${t.owner}/${t.repo}/deployments`;
  const description = cutText(i.description, 140);
  const query = new URLSearchParams({
    sha: t.sha,
    environment: i.environment,
    task: deploymentTask,
    per_page: '1',
  });
  const found = await send({ method: 'GET', url: `${base}?${query}`, headers, what: 'GitHub deployments' });
  let id = Array.isArray(found.json) ? idOf(found.json[0]) : undefined;
  if (id === undefined) {
    const created = await send({
      method: 'POST',
      url: base,
      headers,
      body: JSON.stringify({
        ref: t.sha,
        task: deploymentTask,
        environment: i.environment,
        description,
        // Never merge the default branch in; never wait for commit statuses (ours are pending).
        auto_merge: false,
        required_contexts: [],
        payload: { app: n.app, project: n.project },
      }),
      what: 'GitHub deployment',
    });
    id = idOf(created.json);
    if (id === undefined)
      throw new DeliveryError('GitHub deployment: the answer holds no deployment id', true);
  }
  await send({
    method: 'POST',
    url: `${base}/${id}/statuses`,
    headers,
    body: JSON.stringify({
      state: githubDeploymentStates[n.trigger],
      description,
      ...(i.environmentURL ? { environment_url: i.environmentURL } : {}),
      ...(i.logURL ? { log_url: i.logURL } : {}),
      auto_inactive: true,
    }),
    what: 'GitHub deployment status',
  });
}

function idOf(v: unknown): number | undefined {
  const id = (v as { id?: unknown } | undefined)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
