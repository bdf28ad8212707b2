import { logicalId, synthGitferry } from './synth-gitferry.js';

// Lambda's recursive loop detection stops an SQS → Lambda → same-queue chain after about 16 hops.
// The worker's wake-up chains (waves, hooks, health rechecks, retries) are longer by design and
// bounded in the code; every other function keeps the default, which stops loops.
describe('recursive loop detection', () => {
  const { template, stack, deployer } = synthGitferry();
  const functions = template.findResources('AWS::Lambda::Function');
  const loopOf = (fn: unknown) => functions[logicalId(stack, fn as never)]!.Properties.RecursiveLoop;

  test('is allowed for the worker', () => {
    expect(loopOf(deployer.worker.fn)).toBe('Allow');
  });

  test('stops loops of the webhook, drift and API functions', () => {
    for (const f of [deployer.webhook, deployer.drift, deployer.api]) expect(loopOf(f.fn)).toBe('Terminate');
  });
});
