// How commands print what the API answered: kubectl-style tables, or -o json|yaml|wide|name.
import { Option } from '@commander-js/extra-typings';
import { dump } from 'js-yaml';

// `gitferry app get X | head`: the reader went away, which is no error of ours. Every command
// prints through stdout, so one listener for the whole process ends it quietly instead of with an
// EPIPE stack trace (any other stdout error still surfaces).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

export const outputFormats = ['table', 'wide', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** The `-o, --output` option; `gitferry proj get` defaults to yaml, every other command to a table. */
export function outputOption(defaultFormat: OutputFormat = 'table') {
  return new Option('-o, --output <format>', 'output format').choices(outputFormats).default(defaultFormat);
}

/** Data as JSON or YAML (any other format: as Node prints it). */
export function print(data: unknown, format: OutputFormat): void {
  if (format === 'json') console.log(JSON.stringify(data, null, 2));
  else if (format === 'yaml') process.stdout.write(dump(data, { noRefs: true, lineWidth: 120 }));
  else console.log(data);
}

/** Rows as a table: upper-case headers, columns padded to their widest cell, two spaces apart. */
export function table(rows: Record<string, unknown>[], columns: string[]): void {
  const cells = [
    columns.map((c) => c.toUpperCase()),
    ...rows.map((r) => columns.map((c) => String(r[c] ?? ''))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  for (const row of cells)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}
