// The README's CLI table and docs/configuration.md say only what is true: every command and flag
// the table names exists, and every setting the code reads is documented.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from '@commander-js/extra-typings';
import { buildProgram } from '../../../cli/program.js';
import { awsEnvNames } from '../../../shared/runtime/aws-env.js';

const read = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');
type AnyCommand = Command<unknown[], Record<string, unknown>, Record<string, unknown>>;

/** The command at `words` (`['app', 'sync']`), or undefined. */
function find(program: AnyCommand, words: string[]): AnyCommand | undefined {
  let cmd: AnyCommand | undefined = program;
  for (const w of words) cmd = cmd?.commands.find((c) => c.name() === w) as AnyCommand | undefined;
  return cmd;
}

/** `gitferry app sync NAME [--revision R]` → the command words and the flags it names. */
function parseSpan(span: string): { words: string[]; flags: string[] } {
  const tokens = span.replaceAll('\\|', '|').split(/\s+/).slice(1);
  const words: string[] = [];
  for (const t of tokens) {
    if (!/^[a-z][a-z-]*$/.test(t)) break;
    words.push(t);
  }
  const flags = [...span.matchAll(/(?:^|[\s[(])(--?[a-zA-Z][a-zA-Z-]*)/g)].map((m) => m[1]!);
  return { words, flags };
}

function cliTableSpans(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## The CLI'), readme.indexOf('## Coming from Argo CD'));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  expect(rows.length).toBeGreaterThan(10);
  return rows.flatMap((row) => {
    const firstCell = row.slice(1).split(/(?<!\\)\|/)[0]!;
    return [...firstCell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((s) => s.startsWith('gitferry'));
  });
}

describe('the README and the configuration reference', () => {
  const program = buildProgram() as unknown as AnyCommand;

  test("every command and flag in the README's CLI table is one the CLI has", () => {
    const wrong: string[] = [];
    for (const span of cliTableSpans(read('README.md'))) {
      const { words, flags } = parseSpan(span);
      const cmd = find(program, words);
      if (!cmd || (cmd.commands.length > 0 && words.length > 0)) {
        wrong.push(`${span}: no command "gitferry ${words.join(' ')}"`);
        continue;
      }
      const known = new Set([
        ...cmd.options.flatMap((o) => [o.long, o.short]),
        ...(words.length === 0 ? ['--version'] : []),
      ]);
      for (const f of flags)
        if (!known.has(f)) wrong.push(`${span}: "gitferry ${words.join(' ')}" has no ${f}`);
    }
    expect(wrong).toEqual([]);
  });

  test('a table naming a verb the CLI lacks is caught', () => {
    const spans = cliTableSpans(
      `## The CLI\n${'| `gitferry app list` | x |\n'.repeat(10)}| \`gitferry app teleport NAME\` | x |\n## Coming from Argo CD`,
    );
    const { words } = parseSpan(spans[spans.length - 1]!);
    expect(find(program, words)?.name()).not.toBe('teleport');
    expect(find(program, words)).toBeUndefined();
  });

  test('the table escapes "|" inside cells, so no row splits into extra columns', () => {
    const section = read('README.md').slice(read('README.md').indexOf('## The CLI'));
    const rows = section.split('\n').filter((l) => l.startsWith('| `'));
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(4);
  });

  test('docs/configuration.md names every GITFERRY_* variable of the AWS runtime and every serve and global flag', () => {
    const doc = read('docs/configuration.md');
    const missing: string[] = Object.values(awsEnvNames).filter((name) => !doc.includes(`\`${name}\``));
    const serve = find(program, ['serve'])!;
    for (const o of [...serve.options, ...program.options])
      if (o.long && !o.hidden && o.long !== '--help' && !doc.includes(`\`${o.long}`)) missing.push(o.long);
    for (const v of [
      'GITFERRY_SERVER',
      'GITFERRY_TOKEN',
      'GITFERRY_DATA_DIR',
      'GITFERRY_ALLOWED_HOSTS',
      'GITFERRY_PORT',
    ])
      if (!doc.includes(v)) missing.push(v);
    expect(missing).toEqual([]);
  });
});
