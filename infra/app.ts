// The CDK app that `cdk deploy` runs. The GitferryDeployer construct (webhook, worker, drift and API
// functions, queue, table, schedule) is issue "AWS infrastructure"; until then the stack is empty.
import { App, Stack } from 'aws-cdk-lib';

const app = new App();
new Stack(app, 'Gitferry', { description: 'Gitferry: serverless GitOps deployer' });
app.synth();
