// Trees for source tests, made in a fresh temp dir at runtime: symlinks are never committed.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a file outside the checkout holds; no error may ever show it. */
export const outsideSecret = 'outside-secret-3f9c1e7a';

export interface TempTree {
  /** The checkout: the root paths must stay inside. */
  root: string;
  /** A sibling of the checkout holding `secret.txt` and `manifests/stolen.yaml`. */
  outside: string;
  /** Absolute path of an entry of the checkout. */
  at(relativePath: string): string;
  /** Writes a file (parents created). */
  file(relativePath: string, text: string): TempTree;
  /** Creates a directory (parents created). */
  dir(relativePath: string): TempTree;
  /** Creates a symlink at `relativePath` pointing at `target`, exactly as given. */
  link(relativePath: string, target: string): TempTree;
  remove(): void;
}

/** A checkout in a fresh temp dir, optionally a copy of a fixture tree under test/fixtures/source. */
export function tempTree(fixture?: string): TempTree {
  const base = mkdtempSync(join(tmpdir(), 'gitferry-source-'));
  const root = join(base, 'checkout');
  const outside = join(base, 'outside');
  if (fixture) {
    cpSync(fileURLToPath(new URL(`../../fixtures/source/${fixture}`, import.meta.url)), root, {
      recursive: true,
    });
  } else {
    mkdirSync(root);
  }
  mkdirSync(join(outside, 'manifests'), { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), outsideSecret);
  writeFileSync(
    join(outside, 'manifests', 'stolen.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\ndata:\n  value: ${outsideSecret}\n`,
  );
  const tree: TempTree = {
    root,
    outside,
    at: (p) => join(root, p),
    file(p, text) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), text);
      return tree;
    },
    dir(p) {
      mkdirSync(join(root, p), { recursive: true });
      return tree;
    },
    link(p, target) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      symlinkSync(target, join(root, p));
      return tree;
    },
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
  return tree;
}

/** Environment values long enough that finding one in a message cannot be chance. */
export function environmentValues(): string[] {
  return Object.values(process.env).filter((v): v is string => typeof v === 'string' && v.length >= 12);
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** The error a function throws (fails the test if it returns). */
export function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error, but the call returned');
}

/** A small valid manifest document. */
export function configMap(name: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
}
