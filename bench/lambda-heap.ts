// The V8 heap a Lambda function's Node.js gets: AWS's Node.js runtime starts node with a new space
// of a tenth of the function's memory (two semi-spaces of half that each) and an old space of the
// rest, so a process given these flags meets the same heap ceiling the function would.
// (AWS's runtime bootstrap for Node.js; the memory is the function's MemorySize in MB.)

/** Node flags that give this process the heap of a Lambda function with `memoryMb` of memory. */
export function lambdaHeapFlags(memoryMb: number): string[] {
  if (!Number.isInteger(memoryMb) || memoryMb < 128)
    throw new Error(`a Lambda function's memory is a whole number of MB ≥ 128, not ${memoryMb}`);
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}
