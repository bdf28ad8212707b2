import type { Stack } from 'aws-cdk-lib';
import { App, Stack as CdkStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole, IRole } from 'aws-cdk-lib/aws-iam';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitferryDeployer, type GitferryDeployerProps } from '../../infra/gitferry-deployer.js';
import { GitferryStack } from '../../infra/gitferry-stack.js';

export const testEnv = { account: '123456789012', region: 'eu-west-1' };

const outdirs: string[] = [];

/**
 * A cloud assembly directory removed after the test file: an App without `outdir` makes a new
 * /tmp/cdk.outXXXX at every synth and never removes it.
 */
export function testOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-cdk-test-'));
  outdirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An App for tests: its own removed outdir, bundling skipped unless asked for. */
export function testApp(opts: { bundle?: boolean; context?: Record<string, unknown> } = {}): App {
  return new App({
    outdir: testOutdir(),
    context: { ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...opts.context },
  });
}

/**
 * The stack `cdk deploy` installs, with the given props (plain YAML only unless a tools layer is
 * given: the tests have no helm for arm64). Bundling is skipped unless asked for (esbuild for four
 * functions per test file adds seconds and proves nothing about the template).
 */
export function synthGitferry(
  deployer: GitferryDeployerProps = {},
  opts: { bundle?: boolean; env?: { account: string; region: string } } = {},
) {
  const app = testApp(opts);
  const stack = new GitferryStack(app, 'Gitferry', {
    deployer: { plainYamlOnly: deployer.toolsLayerPath === undefined, ...deployer },
    env: opts.env ?? testEnv,
  });
  return { app, stack, deployer: stack.deployer, template: Template.fromStack(stack) };
}

/** A GitferryDeployer in a plain stack, with props that need constructs of that stack (a VPC). */
export function synthDeployerIn(configure: (stack: Stack) => GitferryDeployerProps) {
  const app = testApp();
  const stack = new CdkStack(app, 'Gitferry', { env: testEnv });
  const deployer = new GitferryDeployer(stack, 'Gitferry', { plainYamlOnly: true, ...configure(stack) });
  return { app, stack, deployer, template: Template.fromStack(stack) };
}

/** Every action the role's policies allow, with the resources of each statement. */
export function allowedActions(template: Template, stack: Stack, role: IRole): Map<string, unknown[]> {
  const roleId = stack.resolve((role.node.defaultChild as CfnRole).logicalId) as string;
  const out = new Map<string, unknown[]>();
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = (policy.Properties.Roles as { Ref: string }[]).map((r) => r.Ref);
    if (!roles.includes(roleId)) continue;
    for (const st of policy.Properties.PolicyDocument.Statement as {
      Effect: string;
      Action: string | string[];
      Resource: unknown;
    }[]) {
      if (st.Effect !== 'Allow') continue;
      for (const action of ([] as string[]).concat(st.Action))
        out.set(action, [...(out.get(action) ?? []), ...([] as unknown[]).concat(st.Resource)]);
    }
  }
  return out;
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
}
