import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { LuaHealthChecks } from '../../../../shared/engine/lua-health.js';

const obj = (kind: string): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind,
  metadata: { name: 'w1', namespace: 'shop' },
});

async function messageOf(source: string): Promise<string | undefined> {
  const checks = new LuaHealthChecks([{ groupKind: 'example.com_Probe', origin: 'probe.lua', source }]);
  try {
    return (await checks.assess(obj('Probe')))?.message;
  } finally {
    await checks.close();
  }
}

describe('health scripts run in a sandbox', () => {
  test('no file, OS, module, loading or debug access is reachable', async () => {
    const names = ['io', 'require', 'load', 'loadfile', 'dofile', 'debug', 'package', 'collectgarbage'];
    const probe = names.map((n) => `tostring(${n})`).join(' .. "," .. ');
    expect(await messageOf(`return { status = "Healthy", message = ${probe} }`)).toBe(
      names.map(() => 'nil').join(','),
    );
  });

  test('os offers only the clock, no command, file or environment access', async () => {
    const probe = ['execute', 'getenv', 'remove', 'rename', 'exit', 'tmpname']
      .map((n) => `tostring(os.${n})`)
      .join(' .. "," .. ');
    expect(
      await messageOf(`return { status = "Healthy", message = ${probe} .. "," .. type(os.time()) }`),
    ).toBe('nil,nil,nil,nil,nil,nil,number');
  });

  test('binary chunks cannot be made or loaded', async () => {
    expect(await messageOf('return { status = "Healthy", message = tostring(string.dump) }')).toBe('nil');
  });

  test('one script cannot change the libraries or globals the next one sees', async () => {
    const checks = new LuaHealthChecks([
      {
        groupKind: 'example.com_Mutator',
        origin: 'mutator.lua',
        source: 'counter = (counter or 0) + 1; string.upper = nil',
      },
      {
        groupKind: 'example.com_Reader',
        origin: 'reader.lua',
        source: 'return { status = "Healthy", message = tostring(counter) .. "," .. string.upper("ok") }',
      },
    ]);
    try {
      expect((await checks.assess(obj('Mutator')))?.message).toContain('mutator.lua:1: string is read-only');
      expect((await checks.assess(obj('Reader')))?.message).toBe('nil,OK');
    } finally {
      await checks.close();
    }
  });

  test('the object is seen as plain Lua tables with 1-based lists', async () => {
    const checks = new LuaHealthChecks([
      {
        groupKind: 'example.com_Lists',
        origin: 'lists.lua',
        source:
          'return { status = "Progressing", message = #obj.spec.items .. ":" .. obj.spec.items[1].name }',
      },
    ]);
    try {
      const o = { ...obj('Lists'), spec: { items: [{ name: 'first' }, { name: 'second' }] } };
      expect(await checks.assess(o)).toEqual({ status: 'Progressing', message: '2:first' });
    } finally {
      await checks.close();
    }
  });
});

describe('patterns, which run in C where the instruction budget cannot stop them', () => {
  test('a backtracking pattern on a long string is refused before it runs, for s:find too', async () => {
    const bomb =
      'local s = string.rep("a", 3000) return { status = "Healthy", message = tostring(s:find(".-.-.-.-.-b")) }';
    expect(await messageOf(bomb)).toBe(
      'health script probe.lua on Probe/shop/w1: failed: probe.lua:1: string.find: pattern ".-.-.-.-.-b" may take too long on a 3000-byte string',
    );
  });

  test('ordinary patterns on status messages work as in Lua', async () => {
    const script = [
      'local n = 0',
      'for d in string.gmatch("Waiting for 2 pods, 3 ready", "%d+") do n = n + tonumber(d) end',
      'local v = ("v1.2.3"):match("^v(%d+)%.")',
      'return { status = "Healthy", message = n .. "," .. v .. "," .. tostring(string.find("a.b", ".", 1, true)) }',
    ].join('\n');
    expect(await messageOf(script)).toBe('5,1,2');
  });
});
