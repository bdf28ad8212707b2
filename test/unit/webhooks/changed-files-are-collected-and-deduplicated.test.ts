import { parseGitHubWebhook } from '../../../shared/webhooks/github.js';
import { parseGitLabWebhook } from '../../../shared/webhooks/gitlab.js';
import type { WebhookOutcome } from '../../../shared/webhooks/types.js';
import {
  githubPush,
  githubRequest,
  githubSecret,
  gitlabPush,
  gitlabRequest,
  gitlabToken,
} from './requests.js';

function changedFiles(outcome: WebhookOutcome): string[] | undefined {
  if (outcome.kind !== 'push')
    throw new Error(`expected a push, got ${outcome.kind === 'ignored' ? outcome.reason : outcome.kind}`);
  return outcome.event.changedFiles;
}

const github = (changes: Record<string, unknown>) =>
  changedFiles(parseGitHubWebhook(githubRequest(githubPush(changes)), githubSecret));
const gitlab = (changes: Record<string, unknown>) =>
  changedFiles(parseGitLabWebhook(gitlabRequest(gitlabPush(changes)), gitlabToken));

function commitTouching(count: number, prefix = 'f') {
  return { added: Array.from({ length: count }, (_, i) => `${prefix}/${i}.yaml`), modified: [], removed: [] };
}

describe('changedFiles', () => {
  test('joins added, modified and removed across commits, each path once, sorted', () => {
    const commits = [
      { added: ['b.yaml', 'a.yaml'], modified: ['c.yaml'], removed: [] },
      { added: [], modified: ['a.yaml', 'c.yaml'], removed: ['d.yaml'] },
      { added: ['d.yaml'], modified: [], removed: ['b.yaml'] },
    ];

    expect(github({ commits })).toEqual(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']);
    expect(gitlab({ commits, total_commits_count: 3 })).toEqual(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']);
  });

  test('holds exactly 2,000 paths', () => {
    expect(github({ commits: [commitTouching(1000, 'a'), commitTouching(1000, 'b')] })).toHaveLength(2000);
  });

  test('is undefined for a push of 2,001 paths', () => {
    expect(github({ commits: [commitTouching(1000, 'a'), commitTouching(1001, 'b')] })).toBeUndefined();
    expect(gitlab({ commits: [commitTouching(2001)], total_commits_count: 1 })).toBeUndefined();
  });

  test('counts a path touched by many commits once against the limit', () => {
    const commits = Array.from({ length: 3 }, () => commitTouching(1500));

    expect(github({ commits })).toHaveLength(1500);
  });

  test('honours a lower maxChangedFiles', () => {
    const outcome = parseGitHubWebhook(
      githubRequest(githubPush({ commits: [commitTouching(11)] })),
      githubSecret,
      {
        maxChangedFiles: 10,
      },
    );

    expect(changedFiles(outcome)).toBeUndefined();
  });

  test.each<[string, Record<string, unknown>]>([
    ['no commits are listed', { commits: [] }],
    ['the commits field is missing', { commits: undefined }],
    ['a commit has no file lists', { commits: [{ id: 'x', added: ['a'], modified: ['b'] }] }],
    ['the branch is new', { created: true, before: '0'.repeat(40) }],
    ['the push was forced (files reverted from before appear in no new commit)', { forced: true }],
    [
      'GitHub listed its maximum of 2,048 commits',
      { commits: Array.from({ length: 2048 }, () => commitTouching(1)) },
    ],
  ])('is undefined on GitHub when %s', (_case, changes) => {
    expect(github(changes)).toBeUndefined();
  });

  test.each<[string, Record<string, unknown>]>([
    [
      'GitLab listed 20 of 25 commits',
      { total_commits_count: 25, commits: Array.from({ length: 20 }, () => commitTouching(1)) },
    ],
    ['the branch is new', { before: '0'.repeat(40) }],
    ['no commits are listed', { commits: [], total_commits_count: 0 }],
  ])('is undefined on GitLab when %s', (_case, changes) => {
    expect(gitlab(changes)).toBeUndefined();
  });
});
