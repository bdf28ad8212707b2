import { readFileSync } from 'node:fs';
import { parseApplication } from '../../../shared/domain/application-manifest.js';
import { checkOperationTimeout } from '../../../shared/domain/operation-timeout.js';
import { operationTimeoutMs } from '../../../shared/control/sync-options.js';
import { parseYamlValue } from '../../../shared/source/yaml.js';
import { startApiBed, type ApiBed } from './api-bed.js';

const manifest = readFileSync(new URL('../../fixtures/api/busy-app.yaml', import.meta.url), 'utf8');

describe("a sync request's operation timeout", () => {
  let bed: ApiBed;
  beforeEach(async () => {
    bed = startApiBed();
    await bed.store.putApp(parseApplication(parseYamlValue(manifest, 'busy-app.yaml', 1000)).app);
  });
  afterEach(() => bed.close());

  test('whole seconds from 1 to a day are stored with the request', async () => {
    const res = await bed.call('POST', '/api/v1/apps/shop/sync', { timeoutSeconds: 90 });

    expect(res.status).toBe(202);
    expect(await bed.store.getSyncRequest('shop')).toMatchObject({ reason: 'manual', timeoutSeconds: 90 });
  });

  test.each([
    [0, 'timeoutSeconds must be at least 1'],
    [-5, 'timeoutSeconds must be at least 1'],
    [86_401, 'timeoutSeconds must be at most 86400 (a day)'],
    [1e300, 'timeoutSeconds must be'],
    [1.5, 'timeoutSeconds must be a whole number of seconds'],
    ['60', 'timeoutSeconds must be a whole number of seconds'],
    ['--timeout=0', 'timeoutSeconds must be a whole number of seconds'],
    [{ $gt: 0 }, 'timeoutSeconds must be a whole number of seconds'],
    [null, 'timeoutSeconds must be a whole number of seconds'],
  ])('%j is refused with a 400 naming the field, and nothing is requested', async (value, message) => {
    const res = await bed.call('POST', '/api/v1/apps/shop/sync', { timeoutSeconds: value });

    expect(res.status).toBe(400);
    expect(String(res.body.detail)).toContain(message);
    expect(await bed.store.getSyncRequest('shop')).toBeUndefined();
  });

  test("the installation's timeout applies unless a manual request set its own", () => {
    const at = 1;
    expect(operationTimeoutMs(undefined, 1_800_000)).toBe(1_800_000);
    expect(operationTimeoutMs({ reason: 'manual', timeoutSeconds: 60, requestedAt: at }, 1_800_000)).toBe(
      60_000,
    );
    // Only a person's manual sync carries one; nothing else may shorten or stretch it.
    expect(operationTimeoutMs({ reason: 'webhook', timeoutSeconds: 60, requestedAt: at }, 1_800_000)).toBe(
      1_800_000,
    );
  });

  test("the installation's setting is checked the same way, naming where it came from", () => {
    expect(checkOperationTimeout('--sync-timeout', '600')).toBe(600);
    expect(() => checkOperationTimeout('--sync-timeout', '0')).toThrow(
      '--sync-timeout must be a whole number of seconds from 1 to 86400, got "0"',
    );
    expect(() => checkOperationTimeout('GITFERRY_SYNC_TIMEOUT_SECONDS', '1e3')).toThrow(
      'GITFERRY_SYNC_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 86400, got "1e3"',
    );
  });
});
