import { build } from 'esbuild';
const name = process.argv[2]!;
const r = await build({ entryPoints: [`functions/${name}/handler.ts`], bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, mainFields: ['module', 'main'], write: false, metafile: true, outfile: '/tmp/x.cjs', logLevel: 'error' });
const out = Object.values(r.metafile!.outputs)[0]!;
const by = new Map<string, number>();
for (const [file, v] of Object.entries(out.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  const key = m ? m[1]! : file.split('/').slice(0, 2).join('/');
  by.set(key, (by.get(key) ?? 0) + v.bytesInOutput);
}
const total = [...by.values()].reduce((a, b) => a + b, 0);
console.log('total KB', Math.round(total / 1024));
for (const [k, v] of [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(String(Math.round(v / 1024)).padStart(6), k);
