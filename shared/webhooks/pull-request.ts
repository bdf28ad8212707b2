// Pull-request (GitHub `pull_request`) and merge-request (GitLab `Merge Request Hook`) webhooks,
// read after the same signature or token check as pushes, into a PullRequestEvent: the change a
// preview renders. Only the events that move a PR's head are kept (opened, synchronize, reopened;
// GitLab open, reopen, and update with new commits); the rest are ignored (answered 2xx).
// https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
// https://docs.gitlab.com/user/project/integrations/webhook_events/#merge-request-events
import type { PullRequestTarget } from '../domain/pull-request.js';
import { PayloadReader, own } from './payload.js';
import { ignored, type WebhookOutcome } from './types.js';

/** A verified pull or merge request whose head moved: preview it. */
export interface PullRequestEvent extends PullRequestTarget {
  /** The provider's id for this delivery: the key for deduplication. */
  deliveryId: string;
  /** The provider's action (`opened`, `synchronize`, `reopened`, `open`, `reopen`, `update`). */
  action: string;
}

const githubActions = new Set(['opened', 'synchronize', 'reopened']);
const gitlabActions = new Set(['open', 'reopen', 'update']);
const ownerRepo = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

function positiveInteger(read: PayloadReader, value: unknown, path: string): number {
  const n = read.optionalCount(value, path);
  if (n === undefined || n < 1) throw read.fail(path, 'must be a positive integer');
  return n;
}

function optionalUrl(read: PayloadReader, value: unknown, path: string): string | undefined {
  const url = read.optionalString(value, path);
  return url !== undefined && /^https?:\/\/[^\s]{1,2000}$/.test(url) ? url : undefined;
}

/** Reads a GitHub `pull_request` payload. */
export function readGitHubPullRequest(payload: unknown, deliveryId: string): WebhookOutcome {
  const read = new PayloadReader('GitHub pull_request payload');
  const body = read.object(payload, 'body');
  const action = read.string(own(body, 'action'), 'action');
  if (!githubActions.has(action))
    return ignored(
      /^[a-z_]{1,64}$/.test(action)
        ? `pull_request ${action} is not previewed`
        : 'pull_request action is not previewed',
    );
  const pr = read.object(own(body, 'pull_request'), 'pull_request');
  const number = positiveInteger(read, own(pr, 'number'), 'pull_request.number');
  const head = read.object(own(pr, 'head'), 'pull_request.head');
  const base = read.object(own(pr, 'base'), 'pull_request.base');
  const baseRepo = read.object(own(base, 'repo'), 'pull_request.base.repo');
  const repo = read.string(own(baseRepo, 'full_name'), 'pull_request.base.repo.full_name');
  if (!ownerRepo.test(repo)) throw read.fail('pull_request.base.repo.full_name', 'must be owner/repo');
  // A fork's head repository may be gone (null): still a fork.
  const headRepo = own(head, 'repo');
  const headName =
    headRepo === null || headRepo === undefined
      ? undefined
      : read.string(
          own(read.object(headRepo, 'pull_request.head.repo'), 'full_name'),
          'pull_request.head.repo.full_name',
        );
  const url = optionalUrl(read, own(pr, 'html_url'), 'pull_request.html_url');
  return {
    kind: 'pull-request',
    event: {
      provider: 'github',
      deliveryId,
      action,
      repoUrls: read.urls(baseRepo, 'pull_request.base.repo', ['clone_url', 'html_url', 'ssh_url']),
      repo,
      number,
      headSha: read.sha(own(head, 'sha'), 'pull_request.head.sha', [40]),
      headRef: read.ref(own(head, 'ref'), 'pull_request.head.ref'),
      baseRef: read.ref(own(base, 'ref'), 'pull_request.base.ref'),
      fork: headName === undefined || headName.toLowerCase() !== repo.toLowerCase(),
      ...(url ? { url } : {}),
    },
  };
}

/** Reads a GitLab merge request event (a project hook's `Merge Request Hook`, or a system hook's). */
export function readGitLabMergeRequest(payload: unknown, deliveryId: string): WebhookOutcome {
  const read = new PayloadReader('GitLab merge request payload');
  const body = read.object(payload, 'body');
  const attrs = read.object(own(body, 'object_attributes'), 'object_attributes');
  const action = read.optionalString(own(attrs, 'action'), 'object_attributes.action') ?? '';
  if (!gitlabActions.has(action))
    return ignored(
      /^[a-z_]{1,64}$/.test(action)
        ? `merge request ${action} is not previewed`
        : 'merge request action is not previewed',
    );
  // An update without `oldrev` changed the title, labels or reviewers, not the code.
  if (action === 'update' && own(attrs, 'oldrev') === undefined)
    return ignored('merge request update without new commits');
  const project = read.object(own(body, 'project'), 'project');
  const projectId = positiveInteger(read, own(project, 'id'), 'project.id');
  const target = positiveInteger(
    read,
    own(attrs, 'target_project_id'),
    'object_attributes.target_project_id',
  );
  const source = positiveInteger(
    read,
    own(attrs, 'source_project_id'),
    'object_attributes.source_project_id',
  );
  const lastCommit = read.object(own(attrs, 'last_commit'), 'object_attributes.last_commit');
  const url = optionalUrl(read, own(attrs, 'url'), 'object_attributes.url');
  return {
    kind: 'pull-request',
    event: {
      provider: 'gitlab',
      deliveryId,
      action,
      repoUrls: read.urls(project, 'project', ['git_http_url', 'git_ssh_url', 'web_url']),
      repo: String(projectId),
      number: positiveInteger(read, own(attrs, 'iid'), 'object_attributes.iid'),
      headSha: read.sha(own(lastCommit, 'id'), 'object_attributes.last_commit.id', [40, 64]),
      headRef: read.ref(own(attrs, 'source_branch'), 'object_attributes.source_branch'),
      baseRef: read.ref(own(attrs, 'target_branch'), 'object_attributes.target_branch'),
      fork: source !== target || target !== projectId,
      ...(url ? { url } : {}),
    },
  };
}
