// The sandbox's git server tells Gitferry about pushes as GitHub does: a post-receive hook in the
// bare repository sends a signed `push` webhook to `serve` for every branch a push updates. So
// `git push` in a clone deploys, with no webhook to craft by hand. Sandbox only: the hook file
// holds the webhook secret (readable by its owner alone).
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PushHookOptions {
  /** The bare repository on the sandbox's git server. */
  bareRepo: string;
  /** The URL Gitferry knows the repository by (the Application's repoURL). */
  cloneUrl: string;
  /** `serve`'s webhook endpoint. */
  webhookUrl: string;
  secret: string;
}

/**
 * The hook: git runs it after a push with `<old> <new> <ref>` lines on stdin; what it prints
 * reaches the pusher as `remote:` lines. CommonJS, run by this very Node binary (the git
 * server's PATH may not have one).
 */
export function pushHookScript(o: Omit<PushHookOptions, 'bareRepo'>): string {
  const config = JSON.stringify({ cloneUrl: o.cloneUrl, webhookUrl: o.webhookUrl, secret: o.secret });
  return `#!${process.execPath}
// Written by Gitferry's sandbox (npm start): delivers a signed GitHub push webhook per updated branch.
'use strict';
const { createHmac, randomUUID } = require('node:crypto');
const config = ${config};
const zero = /^0+$/;

async function deliver(before, after, ref) {
  const deleted = zero.test(after);
  const payload = JSON.stringify({
    ref,
    before,
    after,
    created: zero.test(before),
    deleted,
    forced: false,
    repository: { clone_url: config.cloneUrl, html_url: config.cloneUrl },
    commits: [],
    head_commit: deleted ? null : { id: after },
  });
  const signature = 'sha256=' + createHmac('sha256', config.secret).update(payload).digest('hex');
  try {
    const res = await fetch(config.webhookUrl, {
      method: 'POST',
      body: payload,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': signature,
      },
      signal: AbortSignal.timeout(10000),
    });
    const body = await res.text();
    console.log('gitferry: push webhook for ' + ref + ' ' + after.slice(0, 8) + ': HTTP ' + res.status + ' ' + body.slice(0, 200));
  } catch (err) {
    console.log('gitferry: push webhook for ' + ref + ' not delivered: ' + err.message + ' (is npm start still running?)');
  }
}

(async () => {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  for (const line of input.split('\\n')) {
    const [before, after, ref] = line.trim().split(' ');
    if (ref && ref.startsWith('refs/heads/')) await deliver(before, after, ref);
  }
})();
`;
}

/** Installs the hook in the bare repository (replacing any post-receive hook it had). */
export function installPushHook(o: PushHookOptions): string {
  const file = join(o.bareRepo, 'hooks', 'post-receive');
  writeFileSync(file, pushHookScript(o), { mode: 0o700 });
  chmodSync(file, 0o700);
  return file;
}
