import { formatRef, type ObjectRef } from '../../../shared/domain/kube-object.js';
import { assessAppHealth } from '../../../shared/engine/assess.js';
import { LuaHealthChecks } from '../../../shared/engine/lua-health.js';
import type { ResourceManager } from '../../../shared/engine/resource-manager.js';
import { runSync } from '../../../shared/engine/sync-operation.js';
import { fixtureObjects, testbedResourceManager } from '../../support/engine.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

// The script reads a made-up status (phase + reason) that the built-in checks know nothing about:
// only the Lua script can say Degraded or Progressing here.
const script = `
local s = obj.status
if s == nil or s.phase == nil then return { status = "Progressing", message = "waiting for the controller" } end
if s.phase == "Broken" then return { status = "Degraded", message = "cache broken: " .. (s.reason or "?") } end
if s.phase == "Warming" then return { status = "Progressing", message = "warming " .. s.percent .. "%" } end
if s.phase == "Serving" then return { status = "Healthy" } end
return { status = "Unknown", message = "unexpected phase " .. s.phase }
`;

describe('a Lua health script on the test bed', () => {
  const ns = uniqueName('eng-lua');
  const singular = uniqueName('cache').replace('-', '');
  const vars = { KIND: `L${singular}`, PLURAL: `l${singular}s`, SINGULAR: `l${singular}` };
  let rm: ResourceManager;
  let broken: ResourceManager;
  let checks: LuaHealthChecks;
  let brokenChecks: LuaHealthChecks;
  let inventory: ObjectRef[];

  beforeAll(async () => {
    checks = new LuaHealthChecks([
      { groupKind: `gitferry.dev_${vars.KIND}`, origin: 'cache.lua', source: script },
    ]);
    brokenChecks = new LuaHealthChecks([
      { groupKind: `gitferry.dev_${vars.KIND}`, origin: 'cache.lua', source: 'while true do end' },
    ]);
    rm = await testbedResourceManager({ health: checks });
    broken = await testbedResourceManager({ health: brokenChecks });
    await kubectl(['create', 'namespace', ns]);
    const state = await runSync(rm, {
      desired: fixtureObjects('crd-with-status.yaml', ns, vars),
      inventory: [],
      options: { destinationNamespace: ns, pollIntervalMs: 200 },
    });
    expect(state.message).toBe('successfully synced (2 created)');
    inventory = state.inventory;
  });
  afterAll(async () => {
    rm.close();
    broken.close();
    await checks.close();
    await brokenChecks.close();
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
    await kubectl(['delete', 'crd', `${vars.PLURAL}.gitferry.dev`, '--wait=false']);
  });

  const setStatus = (status: object) =>
    kubectl([
      'patch',
      `${vars.PLURAL}.gitferry.dev`,
      'cache',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
  const cacheHealth = async (on: ResourceManager) => {
    const { health, resources } = await assessAppHealth(on, inventory);
    const cache = resources.find((r) => r.ref.kind === vars.KIND)!;
    return { app: health, cache: cache.health, ref: formatRef(cache.ref) };
  };

  test('reports Degraded and Progressing from the live status, for the object and the app', async () => {
    await setStatus({ phase: 'Broken', reason: 'disk full' });
    const degraded = await cacheHealth(rm);
    expect(degraded.cache).toEqual({ status: 'Degraded', message: 'cache broken: disk full' });
    // The app's own message names the object that makes it so (engine/assess.ts appLevelHealth).
    expect(degraded.app.status).toBe('Degraded');
    expect(degraded.app.message).toMatch(/\/cache: cache broken: disk full$/);

    await setStatus({ phase: 'Warming', percent: 40, reason: null });
    const progressing = await cacheHealth(rm);
    expect(progressing.cache).toEqual({ status: 'Progressing', message: 'warming 40%' });
    expect(progressing.app.status).toBe('Progressing');

    await setStatus({ phase: 'Serving' });
    expect((await cacheHealth(rm)).app).toEqual({ status: 'Healthy' });
  });

  test('a script that never ends makes the object Unknown, naming the script and the object', async () => {
    const { cache, ref } = await cacheHealth(broken);
    expect(cache).toEqual({
      status: 'Unknown',
      message: `health script cache.lua on ${ref}: failed: ran more than 2000000 Lua instructions`,
    });
  });
});
