// A webhook load on loopback, bounded in count and time: signed GitHub pushes for many apps at a
// fixed rate, with duplicates (the same delivery id again) and bad signatures mixed in, while the
// apps' branches move forward in rounds the way pushes move them. Used by bench/webhook-load.ts
// (full size, figures) and by the e2e test (small, correctness only, never time).
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { githubPush } from './control-plane.js';
import { testbed, uniqueName } from './testbed.js';

const run = promisify(execFile);

/** One bare repo on the test bed's git server; app i follows branch `b-i`, path `app`. */
export interface LoadRepo {
  url: string;
  /** shas[i][r]: app i's commit for round r (each a child of the one before). */
  shas: string[][];
  /** Moves every app's branch to its commit of round r (one `git update-ref --stdin`). */
  moveTo(round: number): Promise<void>;
  branch(app: number): string;
}

/**
 * Creates the repo with `rounds` commits per app in one `git fast-import` (hundreds of commits in
 * well under a second), each commit a ConfigMap `<prefix>-<i>` whose data names the round. The
 * branches start at round 0.
 */
export async function createLoadRepo(opts: {
  apps: number;
  rounds: number;
  configMapPrefix: string;
}): Promise<LoadRepo> {
  const bed = testbed();
  const name = uniqueName('load');
  const gitDir = join(bed.git.repoRoot, `${name}.git`);
  await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', gitDir]);
  const chunks: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  let mark = 0;
  const marks: number[][] = [];
  for (let i = 0; i < opts.apps; i++) {
    marks.push([]);
    for (let r = 0; r < opts.rounds; r++) {
      mark++;
      marks[i]!.push(mark);
      const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${opts.configMapPrefix}-${i}\ndata:\n  round: "${r}"\n`;
      chunks.push(
        `commit refs/stage/${i}\nmark :${mark}\ncommitter Gitferry Load <load@gitferry.invalid> ${1_700_000_000 + r} +0000\n` +
          data(`app ${i} round ${r}`) +
          `M 100644 inline app/configmap.yaml\n` +
          data(cm),
      );
    }
  }
  const marksFile = join(gitDir, 'load-marks');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      'git',
      ['--git-dir', gitDir, 'fast-import', '--quiet', `--export-marks=${marksFile}`],
      {
        stdio: ['pipe', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`git fast-import failed: ${err}`)),
    );
    child.stdin.end(chunks.join(''));
  });
  const { readFileSync } = await import('node:fs');
  const byMark = new Map(
    readFileSync(marksFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string])
      .map(([m, sha]) => [Number(m.slice(1)), sha]),
  );
  const shas = marks.map((row) => row.map((m) => byMark.get(m)!));
  const branch = (i: number) => `b-${i}`;
  const moveTo = async (round: number) => {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('git', ['--git-dir', gitDir, 'update-ref', '--stdin'], {
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += String(d)));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`git update-ref failed: ${err}`)),
      );
      child.stdin.end(shas.map((row, i) => `update refs/heads/${branch(i)} ${row[round]}\n`).join(''));
    });
  };
  await moveTo(0);
  return { url: `${bed.git.url}/${name}.git`, shas, moveTo, branch };
}

/** A webhook request as the load sends it, and the answer it got. */
export interface Delivery {
  app: number;
  round: number;
  deliveryId: string;
  kind: 'new' | 'duplicate' | 'bad-signature';
  headers: Record<string, string>;
  body: string;
}

export interface Answer {
  status: number;
  body: string;
}

export type SendWebhook = (d: Pick<Delivery, 'headers' | 'body'>) => Promise<Answer>;

export interface LoadOptions {
  repo: LoadRepo;
  apps: number;
  rounds: number;
  /** Deliveries per second, and how many in all (rate × duration). */
  rate: number;
  total: number;
  duplicateFraction: number;
  badSignatureFraction: number;
  secret: string;
  /** At most this many answers outstanding (bounds memory if the server slows down). */
  maxInFlight?: number;
  /** Deterministic choices: the same seed sends the same mix. */
  seed?: number;
}

export interface LoadResult {
  deliveries: { delivery: Delivery; answer?: Answer; error?: string; ms: number }[];
  /** Deliveries per second actually sent (the pacing may fall behind a slow server). */
  achievedRate: number;
  elapsedMs: number;
}

/** A small deterministic PRNG (mulberry32): the mix is reproducible from the seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Sends `total` deliveries at `rate` per second (open loop: the schedule does not wait for
 * answers, up to maxInFlight), spread over the apps round-robin. The branches move to the next
 * round at even intervals, and each new delivery carries its app's current commit.
 */
export async function runWebhookLoad(send: SendWebhook, o: LoadOptions): Promise<LoadResult> {
  const rnd = random(o.seed ?? 18);
  const maxInFlight = o.maxInFlight ?? 400;
  const sent: Delivery[] = [];
  const results: LoadResult['deliveries'] = [];
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  let round = 0;
  for (let n = 0; n < o.total; n++) {
    const due = started + (n * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const wantRound = Math.min(o.rounds - 1, Math.floor((n * o.rounds) / o.total));
    if (wantRound !== round) {
      round = wantRound;
      await o.repo.moveTo(round);
    }
    while (pending.size >= maxInFlight) await Promise.race(pending);
    const pick = rnd();
    const valid = sent.filter((d) => d.kind === 'new');
    let delivery: Delivery;
    if (pick < o.duplicateFraction && valid.length > 0) {
      // A redelivery of a recent delivery: same id, same body, same signature.
      const of = valid[Math.max(0, valid.length - 1 - Math.floor(rnd() * Math.min(valid.length, 200)))]!;
      delivery = { ...of, kind: 'duplicate' };
    } else {
      const app = n % o.apps;
      const req = githubPush({
        repoUrl: o.repo.url,
        sha: o.repo.shas[app]![round]!,
        branch: o.repo.branch(app),
        secret: o.secret,
        deliveryId: uniqueName(`load-${n}`),
      });
      const bad = pick >= o.duplicateFraction && pick < o.duplicateFraction + o.badSignatureFraction;
      if (bad) {
        // One flipped hex digit: a signature that is almost right.
        const sig = req.headers['x-hub-signature-256'];
        const last = sig.at(-1) === '0' ? '1' : '0';
        req.headers['x-hub-signature-256'] = sig.slice(0, -1) + last;
      }
      delivery = {
        app,
        round,
        deliveryId: req.headers['x-github-delivery'],
        kind: bad ? 'bad-signature' : 'new',
        headers: req.headers,
        body: req.body,
      };
    }
    sent.push(delivery);
    const t = performance.now();
    const p = send(delivery)
      .then(
        (answer) => void results.push({ delivery, answer, ms: performance.now() - t }),
        (err: Error) => void results.push({ delivery, error: err.message, ms: performance.now() - t }),
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  }
  const lastSent = performance.now();
  await Promise.all(pending);
  const elapsedMs = performance.now() - started;
  return { deliveries: results, achievedRate: o.total / ((lastSent - started) / 1000 || 1), elapsedMs };
}

/** p-th percentile of the answer times, in ms. */
export function percentile(result: LoadResult, p: number): number {
  const xs = result.deliveries.map((d) => d.ms).sort((a, b) => a - b);
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))] ?? 0;
}

/** Counts by what was sent and what came back. */
export function tally(result: LoadResult) {
  const by = (f: (d: LoadResult['deliveries'][number]) => boolean) => result.deliveries.filter(f).length;
  return {
    sent: result.deliveries.length,
    accepted: by((d) => d.answer?.status === 202),
    duplicateAnswers: by((d) => d.answer?.status === 200 && JSON.parse(d.answer.body).duplicate === true),
    refused: by((d) => d.answer?.status === 401),
    badSignaturesAccepted: by((d) => d.delivery.kind === 'bad-signature' && d.answer?.status !== 401),
    serverErrors: by((d) => (d.answer?.status ?? 0) >= 500),
    crashes: by((d) => d.error !== undefined),
    other: by(
      (d) => d.answer !== undefined && ![200, 202, 401].includes(d.answer.status) && d.answer.status < 500,
    ),
  };
}

/** Accepted deliveries (202), with the app and the round they carried. */
export function accepted(result: LoadResult): Delivery[] {
  return result.deliveries.filter((d) => d.answer?.status === 202).map((d) => d.delivery);
}

export interface RunView {
  revision: string;
  phase: string;
  superseded?: boolean;
}

/**
 * What must hold after the queue drained: every app with an accepted delivery is Synced at the
 * newest round any accepted delivery of it carried (newest wins: a round can be skipped, never
 * lost), and no revision of an app was synced twice. Returns the violations, one line each.
 */
export function loadViolations(
  o: { repo: LoadRepo; apps: number; appName: (i: number) => string },
  acceptedDeliveries: Delivery[],
  finals: Map<string, { revision?: string; sync?: string; runs: RunView[] }>,
): string[] {
  const problems: string[] = [];
  for (let i = 0; i < o.apps; i++) {
    const mine = acceptedDeliveries.filter((d) => d.app === i);
    if (mine.length === 0) continue;
    const newest = Math.max(...mine.map((d) => d.round));
    const name = o.appName(i);
    const final = finals.get(name);
    const at = final?.revision ? o.repo.shas[i]!.indexOf(final.revision) : -1;
    if (final?.sync !== 'Synced' || at < newest)
      problems.push(
        `${name}: ${final?.sync ?? 'no status'} at round ${at}, but an accepted delivery carried round ${newest}`,
      );
    const synced = new Map<string, number>();
    for (const r of final?.runs ?? []) {
      if (r.superseded) continue;
      if (r.phase !== 'Succeeded') problems.push(`${name}: a ${r.phase} run at ${r.revision}`);
      synced.set(r.revision, (synced.get(r.revision) ?? 0) + 1);
    }
    for (const [rev, n] of synced) if (n > 1) problems.push(`${name}: ${rev} synced ${n} times`);
  }
  return problems;
}

/** App i of the load: follows branch `b-i`, path `app`, automated with prune. */
export function loadApp(name: string, repo: LoadRepo, i: number, ns: string, cluster: string) {
  return {
    name,
    project: 'default',
    sources: [{ repoURL: repo.url, path: 'app', targetRevision: repo.branch(i) }],
    destination: { name: cluster, namespace: ns },
    syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    ignoreDifferences: [],
    revisionHistoryLimit: 100,
    annotations: {},
  };
}

/** The same app as an Argo CD Application manifest (for the API). */
export function loadApplicationYaml(name: string, repo: LoadRepo, i: number, ns: string): string {
  return [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Application',
    `metadata: { name: ${name} }`,
    'spec:',
    '  project: default',
    `  source: { repoURL: "${repo.url}", targetRevision: ${repo.branch(i)}, path: app }`,
    `  destination: { name: testbed, namespace: ${ns} }`,
    '  syncPolicy: { automated: { prune: true }, syncOptions: [CreateNamespace=true] }',
    '  revisionHistoryLimit: 100',
    '',
  ].join('\n');
}
