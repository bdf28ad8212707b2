import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// A fresh machine without binaries: etcd and moto fail at once while the git server (plain Node and
// git) starts. The failure must stop what did start. Run in a child process whose test-bed home is
// empty; two seconds later it reports every process whose command line names its run (the run id
// ends with the child's pid), wherever that process was reparented.
const probe = `
import { readdirSync, readFileSync } from 'node:fs';
import { startTestbed } from './test/testbed/testbed.ts';
const leftovers = () => readdirSync('/proc').filter((p) => /^\\d+$/.test(p) && Number(p) !== process.pid).flatMap((pid) => {
  try {
    const cmdline = readFileSync('/proc/' + pid + '/cmdline', 'utf8').replaceAll('\\0', ' ');
    const stat = readFileSync('/proc/' + pid + '/stat', 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && cmdline.includes('Z-' + process.pid + '/') ? [cmdline] : [];
  } catch { return []; }
});
let error = '';
try { await startTestbed(); } catch (err) { error = String(err.message); }
await new Promise((r) => setTimeout(r, 2000));
console.log(JSON.stringify({ error, children: leftovers() }));
`;

describe('a test bed that fails to start', () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'gitferry-empty-bed-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  test('stops every piece it had started, and says which piece failed', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', probe],
      { cwd: root, env: { ...process.env, GITFERRY_TESTBED_HOME: home } },
    );
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as { error: string; children: string[] };
    expect(report.error).toMatch(/cannot start: .* does not exist \(run `npm run testbed:build`\)/);
    expect(report.children).toEqual([]);
  });
});
