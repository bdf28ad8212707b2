// `npm run testbed:up` starts the whole bed in the background and prints how to reach it;
// `npm run testbed:down` stops it. The state file path is also kept in the cache for `down`.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testbedHome } from './paths.js';
import { checkTestbed, readState, startTestbed, stateEnvVar, stateFile, stopTestbed } from './testbed.js';

const current = join(testbedHome, 'current');

async function up(): Promise<void> {
  if (existsSync(current)) {
    const file = readFileSync(current, 'utf8').trim();
    if (existsSync(file) && (await checkTestbed(readState(file))).length === 0) {
      print(file);
      return;
    }
  }
  const state = await startTestbed();
  writeFileSync(current, stateFile(state));
  print(stateFile(state));
}

function print(file: string): void {
  const s = readState(file);
  console.log(`kubeconfig:   ${s.kubeconfig}
apiserver:    ${s.kube.server}
aws endpoint: ${s.awsEndpoint}   (moto: DynamoDB, SQS, STS, Secrets Manager; any credentials)
git server:   ${s.git.url}/<repo>.git   (bare repos in ${s.git.repoRoot})
nodes:        ${s.nodes.join(', ')}
logs:         ${s.runDir}
kubectl:      ${s.bin.kubectl} --kubeconfig ${s.kubeconfig} get nodes

To run the tests against this bed:  export ${stateEnvVar}=${file}; npm test`);
}

async function down(): Promise<void> {
  if (!existsSync(current)) {
    console.log('no test bed is running');
    return;
  }
  const file = readFileSync(current, 'utf8').trim();
  if (existsSync(file)) await stopTestbed(readState(file));
  rmSync(current, { force: true });
  console.log('test bed stopped');
}

const verb = process.argv[2];
const run = verb === 'up' ? up : verb === 'down' ? down : undefined;
if (!run) {
  console.error('usage: testbed up|down');
  process.exit(2);
}
run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
