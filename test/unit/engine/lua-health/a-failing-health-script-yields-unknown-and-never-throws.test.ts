import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { LuaHealthChecks, type HealthScript } from '../../../../shared/engine/lua-health.js';

const widget = (kind: string, status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind,
  metadata: { name: 'w1', namespace: 'shop', generation: 1 },
  status,
});

const script = (kind: string, source: string): HealthScript => ({
  groupKind: `example.com_${kind}`,
  origin: `${kind.toLowerCase()}.lua`,
  source,
});

// Deterministic bounds: an instruction budget, not a wall-clock one, stops the loops here.
const checks = new LuaHealthChecks(
  [
    script('Good', 'return { status = "Degraded", message = "replicas " .. obj.status.replicas }'),
    script('Loop', 'while true do end'),
    script('Sneaky', 'while true do pcall(function() while true do end end) end'),
    script('Catches', 'pcall(function() while true do end end) return { status = "Healthy" }'),
    script('Hog', 'local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 4096) .. i end'),
    script('Syntax', 'return { status = '),
    script('Raises', 'return { status = obj.spec.missing.field }'),
    script('Invents', 'return { status = "Fine" }'),
    script('Nothing', 'local x = 1'),
  ],
  { instructionLimit: 1_000_000, timeoutMs: 60_000, memoryBytes: 8 * 1024 * 1024 },
);
afterAll(() => checks.close());

async function unknownMessage(kind: string): Promise<string> {
  const health = await checks.assess(widget(kind, { replicas: 2 }));
  expect(health?.status).toBe('Unknown');
  return health!.message!;
}

describe('a health script that fails', () => {
  test('an endless loop is stopped by the instruction budget, naming the script and the object', async () => {
    expect(await unknownMessage('Loop')).toBe(
      'health script loop.lua on Loop/shop/w1: failed: ran more than 1000000 Lua instructions',
    );
  });

  test('catching the budget error with pcall does not let a loop go on', async () => {
    expect(await unknownMessage('Sneaky')).toContain('ran more than 1000000 Lua instructions');
    expect(await unknownMessage('Catches')).toContain('ran more than 1000000 Lua instructions');
  });

  test('a script that allocates without end hits the memory cap', async () => {
    expect(await unknownMessage('Hog')).toContain('not enough memory (the cap is 8388608 bytes)');
  });

  test('a syntax error is reported with its line', async () => {
    expect(await unknownMessage('Syntax')).toBe(
      'health script syntax.lua on Syntax/shop/w1: does not compile: syntax.lua:1: unexpected symbol near <eof>',
    );
  });

  test('a runtime error is reported with its line', async () => {
    expect(await unknownMessage('Raises')).toBe(
      "health script raises.lua on Raises/shop/w1: failed: raises.lua:1: attempt to index a nil value (field 'spec')",
    );
  });

  test('a status that is not a health status, or no table, is refused', async () => {
    expect(await unknownMessage('Invents')).toContain('returned status "Fine", not one of Healthy,');
    expect(await unknownMessage('Nothing')).toContain('returned nil, not a table with a status');
  });

  test('after every failure the next evaluation still works', async () => {
    for (const kind of ['Loop', 'Hog', 'Raises', 'Good']) await checks.assess(widget(kind));
    expect(await checks.assess(widget('Good', { replicas: 2 }))).toEqual({
      status: 'Degraded',
      message: 'replicas 2',
    });
  });
});

describe('the object a script sees', () => {
  const checks = new LuaHealthChecks(
    [
      script(
        'Big',
        'return { status = "Healthy", message = tostring(#obj.status.items) .. "," .. tostring(obj.metadata.managedFields) }',
      ),
    ],
    { memoryBytes: 16 * 1024 * 1024 },
  );
  afterAll(() => checks.close());
  const items = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ name: `item-${i}`, note: 'x'.repeat(100) }));

  test('an object as large as etcd allows is evaluated, without its managedFields', async () => {
    const big = { ...widget('Big', { items: items(10_000) }) };
    big.metadata.managedFields = [{ manager: 'kubectl' }];
    expect(await checks.assess(big)).toEqual({ status: 'Healthy', message: '10000,nil' });
  });

  test('a larger one is refused before it reaches the VM, and the VM goes on working', async () => {
    const health = await checks.assess(widget('Big', { items: items(30_000) }));
    expect(health?.status).toBe('Unknown');
    expect(health?.message).toMatch(
      /^health script big\.lua on Big\/shop\/w1: the object is too large to evaluate \(\d+ bytes of JSON, at most 2097152\)$/,
    );
    expect((await checks.assess(widget('Big', { items: items(3) })))?.message).toBe('3,nil');
  });
});
