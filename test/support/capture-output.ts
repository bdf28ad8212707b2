// Keeps a copy of everything the process prints, at every level and on every stream, for tests
// that search it for secrets: process.stdout and process.stderr (Powertools' own Console writes
// there) and every console method (Jest's console does not go through the streams).

export interface CapturedOutput {
  /** Everything printed since the capture started, in order. */
  text(): string;
  /** Puts the original writers back. */
  restore(): void;
}

const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/** With `echo` (default true) everything is printed as usual too; without, it is only kept. */
export function captureOutput(opts: { echo?: boolean } = {}): CapturedOutput {
  const echo = opts.echo ?? true;
  const chunks: string[] = [];
  const keep = (chunk: unknown) =>
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  const streams = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk);
      if (!echo) return true;
      return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
    return () => {
      stream.write = original;
    };
  });
  const methods = consoleMethods.map((name) => {
    const original = console[name];
    console[name] = (...args: unknown[]) => {
      keep(`${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`);
      if (echo) (original as (...a: unknown[]) => void).apply(console, args);
    };
    return () => {
      console[name] = original;
    };
  });
  return {
    text: () => chunks.join(''),
    restore: () => {
      for (const undo of [...streams, ...methods]) undo();
    },
  };
}
