import { awsConfigFromEnv } from '../../shared/runtime/aws-config.js';
import { awsEnvNames } from '../../shared/runtime/aws-env.js';
import { logicalId, synthGitferry } from './synth-gitferry.js';

// The construct and the runtime share one table of variable names (shared/runtime/aws-env.ts):
// every variable a function is given is one the runtime reads, and the worker's environment is
// enough for the runtime to start.
describe('the functions environment', () => {
  const { template, stack, deployer } = synthGitferry({
    repoCredentials: [{ urlPrefix: 'https://git.example.com/team', secret: 'gitferry/repos/team' }],
    allowedHosts: ['git.internal.example.com'],
    notifications: 'service.github: {tokenSecret: gitferry/notifications/github}',
    repoMaxFiles: 150_000,
  });
  const functions = template.findResources('AWS::Lambda::Function');
  const envOf = (fn: unknown) =>
    (functions[logicalId(stack, fn as never)]!.Properties.Environment?.Variables ?? {}) as Record<
      string,
      unknown
    >;
  const known = new Set<string>(Object.values(awsEnvNames));

  test('holds only names the runtime reads', () => {
    for (const fn of Object.values(functions)) {
      const names = Object.keys(fn.Properties.Environment?.Variables ?? {}).filter((n) =>
        n.startsWith('GITFERRY_'),
      );
      expect(names.filter((n) => !known.has(n))).toEqual([]);
    }
  });

  test("gives the worker what the AWS runtime needs to start, read back through the runtime's own parser", () => {
    const env = Object.fromEntries(
      Object.entries(envOf(deployer.worker.fn)).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : 'resolved-at-deploy',
      ]),
    );
    const config = awsConfigFromEnv({ ...env, AWS_REGION: 'eu-west-1' });
    expect(config.helmBin).toBe('/opt/bin/helm');
    expect(config.repoCredentials).toEqual([
      { urlPrefix: 'https://git.example.com/team', secret: 'gitferry/repos/team' },
    ]);
    expect(config.allowedHosts).toEqual(['git.internal.example.com']);
    expect(config.clusterSecretPrefix).toMatch(/clusters\/$/);
    expect(config.notifications).toBe('service.github: {tokenSecret: gitferry/notifications/github}');
    expect(config.sourceLimits.maxFiles).toBe(150_000);
  });

  test('a repoMaxFiles the worker would refuse is refused at synth, naming the prop', () => {
    for (const bad of [5, 2_000_000, 1.5, Number.NaN])
      expect(() => synthGitferry({ repoMaxFiles: bad })).toThrow(
        /repoMaxFiles must be a whole number of files/,
      );
  });
});
