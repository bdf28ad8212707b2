import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitferryDeployerProps } from '../../infra/gitferry-deployer.js';
import { synthGitferry } from './synth-gitferry.js';

const root = process.env.GITFERRY_TESTBED_HOME ?? join(homedir(), '.cache', 'gitferry-testbed');
const cfnLint = join(root, 'cfnlint', 'bin', 'cfn-lint');

describe('cfn-lint', () => {
  const usEast1 = { account: '123456789012', region: 'us-east-1' };
  test.each<[string, GitferryDeployerProps, { env?: typeof usEast1 }]>([
    ['the default stack', {}, {}],
    [
      'a stack with clusters and assumable roles',
      {
        clusters: ['prod'],
        clusterAccess: { namespaces: ['shop'] },
        assumableRoleArns: ['arn:aws:iam::210987654321:role/x'],
      },
      {},
    ],
    [
      'a stack with the webhook behind CloudFront and WAF, an alarm e-mail and tracing',
      { webhookFirewall: { rateLimitPer5Minutes: 300 }, alarmEmail: 'ops@example.com', tracing: true },
      { env: usEast1 },
    ],
  ])('finds no errors in %s', (_name, props, opts) => {
    if (!existsSync(cfnLint))
      throw new Error(
        `${cfnLint} is missing: run \`npm run testbed:build\` (or test/testbed/build.sh cfnlint)`,
      );
    const dir = mkdtempSync(join(tmpdir(), 'gitferry-cfnlint-'));
    try {
      const file = join(dir, 'Gitferry.template.json');
      writeFileSync(file, JSON.stringify(synthGitferry(props, opts).template.toJSON(), null, 1));
      // Exit code bits: 2 errors, 4 warnings, 8 informational. Only errors fail; warnings are printed.
      const run = spawnSync(cfnLint, ['--format', 'parseable', '--', file], { encoding: 'utf8' });
      if (run.error) throw run.error;
      expect({ errors: (run.status ?? 2) & 2, output: run.stdout + run.stderr }).toEqual(
        expect.objectContaining({ errors: 0 }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
