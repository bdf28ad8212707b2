// Custom health checks written in Lua, as Argo CD users write them (`resource.customizations.
// health.<group_kind>` in argocd-cm): the script sees the live object as the global `obj` and
// returns a table `{ status = "Healthy" | "Progressing" | …, message = "…" }`. Scripts run in one
// sandboxed Lua 5.4 VM (wasmoon: Lua compiled to WebAssembly) per process: no io, os, package,
// require, load, dofile or debug; each evaluation gets a fresh global table, an instruction and
// wall-clock budget and a memory cap. A script that fails in any way yields Unknown, naming the
// script and the object; it never throws.
import type * as Wasmoon from 'wasmoon';
import type { LuaEngine, LuaFactory } from 'wasmoon';
import type { HealthStatus, HealthStatusCode } from '../domain/health.js';
import { healthStatuses } from '../domain/health.js';
import { formatRef, groupOf, refOf, type KubeObject } from '../domain/kube-object.js';
import { HealthScriptError } from './errors.js';

/** A script for one kind: `group_Kind` as Argo CD keys it (`cert-manager.io_Certificate`; core: `_Pod`). */
export interface HealthScript {
  groupKind: string;
  /** Where it came from, for messages: a file name or `gitferry:<groupKind>` for shipped ones. */
  origin: string;
  source: string;
}

export interface LuaHealthOptions {
  /** Lua VM instructions one evaluation may run (counted in steps of `hookEvery`). */
  instructionLimit: number;
  /** Wall-clock bound of one evaluation, a second line of defence behind the instruction limit. */
  timeoutMs: number;
  /** Bytes the VM may hold (scripts, the object under evaluation, whatever the script builds). */
  memoryBytes: number;
}

export const defaultLuaHealthOptions: LuaHealthOptions = {
  instructionLimit: 2_000_000,
  timeoutMs: 1_000,
  memoryBytes: 32 * 1024 * 1024,
};

/**
 * wasmoon's module: run from source its classes are named exports; in a bundle's chunk its
 * CommonJS build comes as one default export.
 */
async function wasmoon(): Promise<typeof Wasmoon> {
  const m = (await import('wasmoon')) as typeof Wasmoon & { default?: typeof Wasmoon };
  return typeof m.LuaFactory === 'function' ? m : m.default!;
}

/** lua_pcall's return codes (Lua 5.4's LUA_OK and LUA_ERRMEM). */
const luaOk = 0;
const luaErrorMemory = 4;

/** The instruction hook runs every this many VM instructions. */
const hookEvery = 1000;

/** Keys of a script, as Argo CD writes them: `group_Kind`. */
export function groupKindOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  return `${groupOf(obj.apiVersion)}_${obj.kind}`;
}

const groupKindPattern = /^[a-z0-9.-]*_[A-Za-z0-9]+$/;

/** Throws HealthScriptError unless key is a `group_Kind` key. */
export function checkGroupKind(key: string, origin: string): void {
  if (!groupKindPattern.test(key) || key.length > 253)
    throw new HealthScriptError(
      'health-script:key',
      `${origin}: "${key.slice(0, 80)}" is not a group_Kind key (e.g. cert-manager.io_Certificate, _Service)`,
    );
}

/**
 * The sandbox, set up once per VM before any script is loaded. Library tables are handed out as
 * read-only views so that one script cannot change `string.format` for the next; scripts get a new
 * global table per evaluation whose misses fall through to `safe`.
 */
/** Worst-case steps of one pattern match allowed (see the bootstrap). */
const patternStepLimit = 5e7;

const bootstrap = `
local load, setmetatable, rawget, type, tostring, error, next, pairs =
      load, setmetatable, rawget, type, tostring, error, next, pairs
local function readonly(lib, name)
  return setmetatable({}, {
    __index = lib,
    __newindex = function() error(name .. " is read-only", 2) end,
    __pairs = function() return next, lib, nil end,
    __metatable = false,
  })
end
-- Lua's pattern matcher runs in C, where the instruction budget cannot interrupt it, and
-- backtracks: a pattern with q quantifiers can take (n+1)^(q+1) steps on an n-byte subject. Calls
-- that could exceed the bound are refused, on the real string table so s:find(...) is guarded too.
local gsub, select = string.gsub, select
local function quantifiers(p) return select(2, gsub(p, "[%*%+%-%?]", "")) end
for _, name in pairs({ "find", "match", "gmatch", "gsub" }) do
  local f = string[name]
  string[name] = function(s, p, ...)
    local plain = name == "find" and select(2, ...)
    if not plain and type(s) == "string" and type(p) == "string"
        and (#s + 1) ^ (quantifiers(p) + 1) > ${patternStepLimit} then
      error("string." .. name .. ": pattern " .. string.format("%q", p:sub(1, 40)) .. " may take too long on a "
        .. #s .. "-byte string", 2)
    end
    return f(s, p, ...)
  end
end
local safe = {}
for _, name in pairs({ "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber",
    "tostring", "type", "xpcall", "rawequal", "rawlen", "setmetatable" }) do
  safe[name] = _G[name]
end
local realgetmetatable = getmetatable
safe.getmetatable = function(v) if type(v) == "string" then return nil end return realgetmetatable(v) end
safe.print = function() end
safe._VERSION = _VERSION
for _, name in pairs({ "string", "table", "math", "utf8", "coroutine" }) do
  local copy = {}
  for k, v in pairs(_G[name]) do copy[k] = v end
  if name == "string" then copy.dump = nil end
  safe[name] = readonly(copy, name)
end
-- Like Argo CD's safe os: clock and time only, nothing that touches the host.
safe.os = readonly({ time = os.time, clock = os.clock, date = os.date, difftime = os.difftime }, "os")
local envmeta = { __index = safe, __metatable = false }

local checks = {}
function __gitferry_compile(key, origin, source)
  local chunk, err = load("local _ENV = ...; " .. source, "=" .. origin, "t", {})
  if not chunk then return err end
  checks[key] = chunk
  return nil
end

local function text(v) if type(v) == "string" then return v end return nil end
function __gitferry_run(key, obj)
  local env = setmetatable({ obj = obj }, envmeta)
  local result = checks[key](env)
  if type(result) ~= "table" then return nil, nil, type(result) end
  return text(rawget(result, "status")), text(rawget(result, "message")), "table"
end
`;

/** Globals that the bootstrap needed and scripts must not see. */
const strippedGlobals = [
  'load',
  'loadfile',
  'dofile',
  'require',
  'collectgarbage',
  'io',
  'os',
  'debug',
  'package',
];

interface LuaVm {
  engine: LuaEngine;
  /** Keys whose compiled chunk this VM holds; a compile error is kept per key. */
  compiled: Map<string, string | undefined>;
  budget: { hooksLeft: number; deadline: number; exceeded?: string };
  hook: number;
}

const validStatuses = new Set<string>(healthStatuses);

/**
 * The installation's health scripts (their own over the shipped ones), evaluated in a VM that is
 * created on first use and reused: compiled chunks stay cached in it. A VM in which a script ran
 * out of budget or memory is discarded, so every evaluation starts from a clean state.
 */
export class LuaHealthChecks {
  private readonly scripts = new Map<string, HealthScript>();
  private readonly o: LuaHealthOptions;
  private factory?: LuaFactory;
  private vm?: Promise<LuaVm>;

  constructor(scripts: HealthScript[], opts: Partial<LuaHealthOptions> = {}) {
    this.o = { ...defaultLuaHealthOptions, ...opts };
    for (const s of scripts) {
      checkGroupKind(s.groupKind, s.origin);
      this.scripts.set(s.groupKind, s);
    }
  }

  /** Whether a script covers this kind. */
  covers(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
    return this.scripts.has(groupKindOf(obj));
  }

  /** The kinds covered, for logs and `serve`'s banner. */
  kinds(): string[] {
    return [...this.scripts.keys()].sort();
  }

  /** Health by the kind's script; undefined when no script covers the kind. */
  async assess(live: KubeObject): Promise<HealthStatus | undefined> {
    const script = this.scripts.get(groupKindOf(live));
    if (!script) return undefined;
    const subject = `health script ${script.origin} on ${formatRef(refOf(live))}`;
    let vm: LuaVm;
    try {
      vm = await this.vmNow();
    } catch (err) {
      return {
        status: 'Unknown',
        message: `${subject}: the Lua VM could not start: ${(err as Error).message}`,
      };
    }
    return this.evaluate(vm, script, live, subject);
  }

  /** Frees the VM (tests, shutdown). */
  async close(): Promise<void> {
    const vm = await this.vm?.catch(() => undefined);
    this.vm = undefined;
    if (vm) this.discard(vm);
  }

  private vmNow(): Promise<LuaVm> {
    this.vm ??= this.createVm().catch((err: unknown) => {
      this.vm = undefined;
      throw err;
    });
    return this.vm;
  }

  private async createVm(): Promise<LuaVm> {
    // wasmoon is loaded on first use: most syncs evaluate no script, and a Lambda bundle keeps it
    // in its own chunk, out of the cold start.
    this.factory ??= new (await wasmoon()).LuaFactory();
    const engine = await this.factory.createEngine({
      openStandardLibs: true,
      injectObjects: false,
      enableProxy: false,
      traceAllocations: true,
    });
    engine.doStringSync(bootstrap);
    for (const name of strippedGlobals) engine.global.set(name, undefined);
    const budget: LuaVm['budget'] = { hooksLeft: 0, deadline: 0 };
    const { lua } = engine.global;
    // One hook for the VM's life, reading the budget of the evaluation in progress (wasmoon's own
    // thread timeout captures its first deadline and cannot be reused across evaluations).
    const hook = lua.module.addFunction((L: number) => {
      budget.hooksLeft -= 1;
      if (budget.hooksLeft >= 0 && Date.now() <= budget.deadline) return;
      budget.exceeded ??=
        budget.hooksLeft < 0
          ? `ran more than ${this.o.instructionLimit} Lua instructions`
          : `ran longer than ${this.o.timeoutMs} ms`;
      // From now on every instruction fails, so a script's pcall cannot catch this and go on.
      lua.lua_sethook(engine.global.address, hook, 8 /* LUA_MASKCOUNT */, 1);
      lua.lua_pushstring(L, budget.exceeded);
      lua.lua_error(L);
    }, 'vii');
    lua.lua_sethook(engine.global.address, hook, 8 /* LUA_MASKCOUNT */, hookEvery);
    engine.global.setMemoryMax(this.o.memoryBytes);
    return { engine, compiled: new Map(), budget, hook };
  }

  private discard(vm: LuaVm): void {
    try {
      vm.engine.global.lua.lua_sethook(vm.engine.global.address, null, 0, 0);
      vm.engine.global.close();
      vm.engine.global.lua.module.removeFunction(vm.hook);
    } catch {
      // Already unusable: nothing more to free.
    }
  }

  private evaluate(vm: LuaVm, script: HealthScript, live: KubeObject, subject: string): HealthStatus {
    const unknown = (why: string): HealthStatus => ({ status: 'Unknown', message: `${subject}: ${why}` });
    const { budget } = vm;
    budget.hooksLeft = Math.ceil(this.o.instructionLimit / hookEvery);
    budget.deadline = Date.now() + this.o.timeoutMs;
    budget.exceeded = undefined;
    let values: unknown[];
    try {
      if (!vm.compiled.has(script.groupKind)) {
        const [compileError] = this.call(
          vm,
          '__gitferry_compile',
          script.groupKind,
          script.origin,
          script.source,
        );
        vm.compiled.set(script.groupKind, typeof compileError === 'string' ? compileError : undefined);
      }
      const compileError = vm.compiled.get(script.groupKind);
      if (compileError !== undefined) return unknown(`does not compile: ${compileError}`);
      // Converting the object happens outside Lua's protected call: bound it first, so that the
      // VM cannot run out of memory there (etcd keeps objects under 1.5 MB by default).
      const json = jsonWithoutManagedFields(live);
      const maxBytes = Math.floor(this.o.memoryBytes / 8);
      if (json.length > maxBytes)
        return unknown(
          `the object is too large to evaluate (${json.length} bytes of JSON, at most ${maxBytes})`,
        );
      values = this.call(vm, '__gitferry_run', script.groupKind, JSON.parse(json));
      // A script that caught the budget error with pcall and returned anyway still failed.
      if (budget.exceeded) throw new Error(budget.exceeded);
    } catch (err) {
      const why = budget.exceeded ?? luaErrorText(err);
      // Out of budget or memory, the VM may be mid-way through anything: start the next one afresh.
      if (budget.exceeded || /not enough memory/.test(why)) this.reset(vm);
      return unknown(`failed: ${why}`);
    }
    const [status, message, returned] = values;
    if (returned !== 'table') return unknown(`returned ${String(returned)}, not a table with a status`);
    if (typeof status !== 'string' || !validStatuses.has(status))
      return unknown(
        `returned status ${status === undefined ? '(none)' : JSON.stringify(String(status).slice(0, 40))}, not one of ${healthStatuses.join(', ')}`,
      );
    const text = typeof message === 'string' ? message.slice(0, 1024) : '';
    return text
      ? { status: status as HealthStatusCode, message: text }
      : { status: status as HealthStatusCode };
  }

  /** Calls a bootstrap function under the evaluation's budget; a Lua error becomes a thrown Error. */
  private call(vm: LuaVm, fn: string, ...args: unknown[]): unknown[] {
    const thread = vm.engine.global;
    const top = thread.getTop();
    try {
      thread.lua.lua_getglobal(thread.address, fn);
      const pusher = new JsonPusher(thread.lua.module as unknown as LuaExports, thread.address);
      try {
        for (const a of args) pusher.push(a);
      } finally {
        pusher.free();
      }
      const rc = thread.lua.lua_pcallk(thread.address, args.length, 3, 0, 0, null);
      if (rc === luaErrorMemory)
        throw new Error(`not enough memory (the cap is ${this.o.memoryBytes} bytes)`);
      if (rc !== luaOk) {
        const text = thread.getValue(-1);
        throw new Error(typeof text === 'string' ? text : `Lua error ${rc}`);
      }
      return [thread.getValue(-3), thread.getValue(-2), thread.getValue(-1)];
    } finally {
      thread.setTop(top);
    }
  }

  private reset(vm: LuaVm): void {
    this.discard(vm);
    this.vm = undefined;
  }
}

/** A Lua error's text without wasmoon's stack decoration, bounded. */
function luaErrorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\nstack traceback:')[0]!.slice(0, 512);
}

/**
 * The object as a script sees it: JSON without `metadata.managedFields` (bookkeeping of the API
 * server that no health check reads, and often the largest part of a live object).
 */
function jsonWithoutManagedFields(live: KubeObject): string {
  return JSON.stringify(live, (key, value: unknown) => (key === 'managedFields' ? undefined : value));
}

/** Deeper than this, values are left out (nil): no status a health check reads is nested so deep. */
const maxDepth = 64;

/** The C functions of the VM (emscripten exports), called directly: cwrap's conversions cost more than the work. */
interface LuaExports {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _lua_pushlstring(L: number, s: number, len: number): number;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushnil(L: number): void;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_rawset(L: number, idx: number): void;
  _lua_rawseti(L: number, idx: number, n: bigint): void;
  _lua_checkstack(L: number, n: number): number;
}

/**
 * Pushes JSON data as Lua values (tables for objects, 1-based lists), writing strings through one
 * scratch buffer in the VM's memory: wasmoon's generic conversion costs several times more, and
 * converting the object dominates an evaluation.
 */
class JsonPusher {
  private scratch = 0;
  private scratchSize = 0;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly m: LuaExports,
    private readonly L: number,
  ) {}

  push(value: unknown, depth = 0): void {
    const { m, L } = this;
    switch (typeof value) {
      case 'string':
        this.pushString(value);
        return;
      case 'number':
        if (Number.isSafeInteger(value)) m._lua_pushinteger(L, BigInt(value));
        else m._lua_pushnumber(L, value);
        return;
      case 'boolean':
        m._lua_pushboolean(L, value ? 1 : 0);
        return;
      case 'object':
        if (value !== null && depth < maxDepth && m._lua_checkstack(L, 4)) {
          this.pushTable(value as Record<string, unknown> | unknown[], depth);
          return;
        }
    }
    m._lua_pushnil(L);
  }

  free(): void {
    if (this.scratch) this.m._free(this.scratch);
    this.scratch = 0;
    this.scratchSize = 0;
  }

  private pushTable(value: Record<string, unknown> | unknown[], depth: number): void {
    const { m, L } = this;
    if (Array.isArray(value)) {
      m._lua_createtable(L, value.length, 0);
      for (let i = 0; i < value.length; i++) {
        this.push(value[i], depth + 1);
        m._lua_rawseti(L, -2, BigInt(i + 1));
      }
      return;
    }
    const keys = Object.keys(value);
    m._lua_createtable(L, 0, keys.length);
    for (const key of keys) {
      this.pushString(key);
      this.push(value[key], depth + 1);
      m._lua_rawset(L, -3);
    }
  }

  private pushString(text: string): void {
    const { m } = this;
    const need = text.length * 3;
    if (need > this.scratchSize) {
      this.free();
      this.scratchSize = Math.max(need, 4096);
      this.scratch = m._malloc(this.scratchSize);
      if (!this.scratch) throw new Error('not enough memory for the object');
    }
    // HEAPU8 is re-read each time: the VM's memory may have grown (and been replaced) meanwhile.
    const { written } = this.encoder.encodeInto(text, m.HEAPU8.subarray(this.scratch, this.scratch + need));
    m._lua_pushlstring(this.L, this.scratch, written);
  }
}
