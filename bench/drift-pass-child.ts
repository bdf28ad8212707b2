// One drift pass (shared/control/drift-check.ts) in a process of its own, so its peak memory is its
// own, as the AWS drift function's is (bench/thousand-apps.ts runs it after serve has synced its
// apps): over serve's SQLite file (a second connection, as a second process would), with the
// cluster client's LISTs and GETs and the ls-remotes counted; wake-ups are counted, not sent.
// Prints one JSON line: seconds, counts, and memory (resident before the pass, and the process's
// peak, VmHWM, after it). bench/thousand-apps.ts bundles it (esbuild, as the drift function is
// bundled) and runs it with the heap AWS's runtime gives the drift function (bench/lambda-heap.ts).
// Usage: node --import tsx bench/drift-pass-child.ts <serve data dir> <namespace prefix>
//   (GITFERRY_TESTBED_STATE names the bed)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readState, stateEnvVar } from '../test/testbed/testbed.js';
import { openDatabase } from '../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../shared/adapters/local/sqlite-state-store.js';
import { ClusterConnectorRouter } from '../shared/adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../shared/adapters/cluster/token-cluster-connector.js';
import { KubeClient } from '../shared/engine/kube-client.js';
import { runDriftTick } from '../shared/control/drift-check.js';
import { resolveRevision } from '../shared/source/git.js';
import { silentLogger } from '../shared/ports/logger.js';

/** What the pass printed: bench/thousand-apps.ts reads it, and npm run cost reads what that wrote. */
export interface DriftPass {
  seconds: number;
  lists: number;
  gets: number;
  lsRemotes: number;
  woken: number;
  unchanged: number;
  /** Store reads besides the app list: drift view queries (one per cluster), and per-app reads where views lacked them. */
  storeReads?: { views: number; statuses: number; inventories: number };
  rssBeforeMb?: number;
  peakRssMb?: number;
}

const [dataDir, prefix] = process.argv.slice(2);
if (!dataDir || !prefix) {
  console.error('usage: drift-pass-child.ts <serve data dir> <namespace prefix>');
  process.exit(2);
}
const bed = readState(process.env[stateEnvVar]!);
const mb = (kb: string | undefined) => Number(kb) / 1024;
const status = (field: string) =>
  mb(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);

const guard = { allowedHosts: ['127.0.0.1/32'] };
const db = openDatabase(join(dataDir, 'gitferry.db'));
const counts = { lists: 0, gets: 0, lsRemotes: 0, woken: 0 };
const request = KubeClient.prototype.request;
KubeClient.prototype.request = function (this: InstanceType<typeof KubeClient>, req) {
  // A LIST across the cluster names no namespace; every LIST here reads the bench's apps.
  if (req.query?.limit) counts.lists++;
  else if (req.path.includes(`/namespaces/${prefix}-`)) counts.gets++;
  return request.call(this, req);
} as typeof request;

const rssBefore = status('VmRSS');
const started = performance.now();
const tick = await runDriftTick({
  store: new SqliteStateStore(db),
  queue: { send: async () => void counts.woken++ },
  connector: new ClusterConnectorRouter({
    kubeconfig: new TokenClusterConnector(
      { get: async () => bed.kube.token },
      { secretPrefix: 'clusters/', server: { guard } },
    ),
  }),
  credentials: async () => undefined,
  clock: { now: Date.now },
  log: silentLogger,
  guard,
  resolveHead: (url, rev) => {
    counts.lsRemotes++;
    return resolveRevision(url, rev, { guard });
  },
});
const seconds = (performance.now() - started) / 1000;
const peakRssMb = status('VmHWM');
db.close();
const pass: DriftPass = {
  seconds,
  ...counts,
  unchanged: tick.unchanged,
  storeReads: tick.storeReads,
  rssBeforeMb: rssBefore,
  peakRssMb,
};
console.log(JSON.stringify(pass));
