import { Duration } from 'aws-cdk-lib';
import { logicalId, synthGitferry } from './synth-gitferry.js';

describe('the worker', () => {
  const { template, stack, deployer } = synthGitferry();
  const worker = () => template.toJSON().Resources[logicalId(stack, deployer.worker.fn)].Properties;

  test('takes 4 wake-ups per invocation, 2 at a time, within 2 minutes', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 4,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(worker().Timeout).toBe(120);
    expect(worker().Environment.Variables.GITFERRY_WORKER_PARALLELISM).toBe('2');
  });

  test('batch size, parallelism and timeout are props', () => {
    const s = synthGitferry({
      workerBatchSize: 1,
      workerParallelism: 1,
      workerTimeout: Duration.seconds(90),
    });
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 1 });
    const w = s.template.toJSON().Resources[logicalId(s.stack, s.deployer.worker.fn)].Properties;
    expect(w.Timeout).toBe(90);
    expect(w.Environment.Variables.GITFERRY_WORKER_PARALLELISM).toBe('1');
    // A record is started only while a quarter of the timeout (at most 30 s) is left.
    expect(w.Environment.Variables.GITFERRY_WORKER_START_BUDGET_MS).toBe('22500');
    expect(worker().Environment.Variables.GITFERRY_WORKER_START_BUDGET_MS).toBe('30000');
    // An app is held no longer than its worker can live.
    expect(w.Environment.Variables.GITFERRY_LEASE_TTL_SECONDS).toBe('90');
    expect(worker().Environment.Variables.GITFERRY_LEASE_TTL_SECONDS).toBe('120');
    expect(() => synthGitferry({ workerTimeout: Duration.seconds(10) })).toThrow(/between 20 s and 15 min/);
  });

  test('may loop through its own queue (the chain is bounded in the code) and may shorten a visibility', () => {
    expect(worker().RecursiveLoop).toBe('Allow');
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('sqs:ChangeMessageVisibility');
  });

  test('X-Ray active tracing is off by default and on for every function with tracing', () => {
    expect(worker().TracingConfig).toBeUndefined();
    const s = synthGitferry({ tracing: true });
    for (const f of [s.deployer.webhook, s.deployer.worker, s.deployer.drift, s.deployer.api])
      expect(s.template.toJSON().Resources[logicalId(s.stack, f.fn)].Properties.TracingConfig).toEqual({
        Mode: 'Active',
      });
  });
});
