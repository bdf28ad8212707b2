// A pull request (GitHub) or merge request (GitLab) to preview: what a verified webhook says about
// it, carried in the preview job's message. Every field but `number`, `headSha` and the provider's
// ids came from the PR's author: `headRef` and `title` are shown, never used to fetch or to build
// a command; the head is fetched by SHA only.

/** Where the preview of one change request is posted, and what it is made of. */
export interface PullRequestTarget {
  provider: 'github' | 'gitlab';
  /** The base repository's URLs as the provider sent them (https clone, web, ssh). */
  repoUrls: string[];
  /** GitHub: `owner/repo` of the base repository; GitLab: the project's numeric id. */
  repo: string;
  /** The PR number (GitHub) or MR iid (GitLab). */
  number: number;
  /** The head commit, 40 (or 64) lower-case hex digits: the only thing fetched. */
  headSha: string;
  /** The head branch's name, for display only (attacker-chosen: may be `--upload-pack=…`). */
  headRef: string;
  /** The branch the PR would merge into. */
  baseRef: string;
  /** The head lives in another repository (a fork). */
  fork: boolean;
  /** The web address of the PR, for the status's target URL. */
  url?: string;
}
