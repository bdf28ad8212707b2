import type { Stack } from 'aws-cdk-lib';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole, IRole } from 'aws-cdk-lib/aws-iam';
import type { GitferryDeployerProps } from '../../infra/gitferry-deployer.js';
import { GitferryStack } from '../../infra/gitferry-stack.js';

export const testEnv = { account: '123456789012', region: 'eu-west-1' };

/**
 * The stack `cdk deploy` installs, with the given props. Bundling is skipped unless asked for
 * (esbuild for four functions per test file adds seconds and proves nothing about the template).
 */
export function synthGitferry(deployer: GitferryDeployerProps = {}, opts: { bundle?: boolean } = {}) {
  const app = new App({ context: opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = new GitferryStack(app, 'Gitferry', { deployer, env: testEnv });
  return { app, stack, deployer: stack.deployer, template: Template.fromStack(stack) };
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
