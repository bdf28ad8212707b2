// The CDK app that `cdk deploy` runs (cdk.json). Settings come from context: see app-props.ts.
// cdk-nag's AwsSolutions checks run on every synth: a new finding fails it until fixed or
// acknowledged with a reason.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { deployerPropsFromContext } from './app-props.js';
import { GitferryStack } from './gitferry-stack.js';

const app = new App();
new GitferryStack(app, str(app.node.tryGetContext('stackName')) ?? 'Gitferry', {
  deployer: deployerPropsFromContext((key) => app.node.tryGetContext(key)),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
