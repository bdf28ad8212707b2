// GitLab commit statuses, as GitLab documents them:
//   POST {base}/api/v4/projects/{url-encoded project path}/statuses/{sha}
//   {state: pending|running|success|failed, name, description, target_url}
// with `PRIVATE-TOKEN: <token>` (personal, project or group access token) or `Authorization:
// Bearer <token>` (OAuth). The project is the repo URL's path (groups and subgroups kept); the
// repo must be on the configured GitLab's host (gitlab.com unless apiURL names a self-hosted one),
// so an app's repo URL never sends the installation's token anywhere else.
import type { Notification, TriggerName } from '../ports/notifier.js';
import { DeliveryError, type ServiceRequest } from './http.js';
import type { Send } from './github.js';
import { cutText } from './template.js';

export const gitlabStates: Record<TriggerName, 'running' | 'success' | 'failed'> = {
  'on-sync-running': 'running',
  'on-sync-succeeded': 'success',
  'on-deployed': 'success',
  'on-sync-failed': 'failed',
  'on-health-degraded': 'failed',
  'on-sync-status-unknown': 'failed',
  'on-rollback': 'failed',
};

/** GitLab.com's API: the default of service.gitlab's apiURL. */
export const gitlabDotComApi = 'https://gitlab.com/api/v4';

/**
 * The project path (`group/subgroup/project`) of a repo URL on the GitLab whose API is `apiURL`,
 * or why there is none. The repo must be on that GitLab's host (the token goes to no other), under
 * its sub-path when it is installed under one (`https://host/gitlab/api/v4` serves
 * `https://host/gitlab/group/project.git`).
 */
export function gitlabProjectOf(repoURL: string, apiURL: string): { path: string } | { refused: string } {
  let u: URL;
  let api: URL;
  try {
    u = new URL(repoURL);
    api = new URL(apiURL);
  } catch {
    return { refused: `${repoURL} is not a URL` };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    return { refused: `${repoURL} is not an http(s) URL` };
  if (u.hostname.toLowerCase() !== api.hostname.toLowerCase())
    return {
      refused: `${u.hostname} is not the GitLab at ${api.origin} (its token is sent to no other host)`,
    };
  const prefix = api.pathname.replace(/\/api\/v4\/?$/, '').replace(/\/+$/, '');
  if (!u.pathname.startsWith(`${prefix}/`))
    return { refused: `${repoURL} is not under ${api.origin}${prefix}` };
  const parts = u.pathname
    .slice(prefix.length)
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  const ok = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}$/;
  if (parts.length < 2 || parts.length > 21 || !parts.every((p) => ok.test(p) && p !== '.' && p !== '..'))
    return { refused: `${repoURL} is not a group/project URL` };
  return { path: parts.join('/') };
}

export interface GitlabStatusInput {
  /** The API base (`https://gitlab.example.com/api/v4`). */
  apiURL: string;
  token: string;
  authHeader: 'private-token' | 'bearer';
  name: string;
  description: string;
  targetURL?: string;
}

export async function sendGitlabStatus(send: Send, n: Notification, i: GitlabStatusInput): Promise<void> {
  const project = gitlabProjectOf(n.repoURL, i.apiURL);
  if ('refused' in project) throw new DeliveryError(`GitLab status: ${project.refused}`, false);
  if (!/^[0-9a-f]{40}$/.test(n.revision))
    throw new DeliveryError(
      `GitLab status: revision ${JSON.stringify(n.revision.slice(0, 80))} is not a commit SHA`,
      false,
    );
  const request: ServiceRequest = {
    method: 'POST',
    url: `${i.apiURL}/projects/${encodeURIComponent(project.path)}/statuses/${n.revision}`,
    headers: {
      ...(i.authHeader === 'bearer' ? { authorization: `Bearer ${i.token}` } : { 'private-token': i.token }),
      'user-agent': 'gitferry',
    },
    body: JSON.stringify({
      state: gitlabStates[n.trigger],
      name: i.name,
      description: cutText(i.description, 255),
      ...(i.targetURL ? { target_url: i.targetURL } : {}),
    }),
    what: 'GitLab status',
  };
  try {
    await send(request);
  } catch (err) {
    // GitLab answers 400 "Cannot transition status via :x from :x" when the status already has
    // that state (on-sync-succeeded and on-deployed both say success): it is already set.
    if (err instanceof DeliveryError && / answered 400: .*Cannot transition status/.test(err.message)) return;
    throw err;
  }
}
