// A SourceRenderer wired to the test bed: its helm and kustomize, its git server allowed by the URL guard.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitCheckoutCache } from '../../shared/source/git.js';
import { BranchHeadCache } from '../../shared/source/head-cache.js';
import { SourceRenderer, type SourceRendererOptions } from '../../shared/source/render.js';
import { binPath } from '../testbed/paths.js';
import { testbed } from './testbed.js';

/** The test bed's git server is on loopback, which the URL guard refuses unless allowed. */
export const testbedGuard = { allowedHosts: ['127.0.0.1/32'] };

export interface SourceKit {
  root: string;
  checkouts: GitCheckoutCache;
  renderer: SourceRenderer;
  dispose(): void;
}

export function sourceKit(opts: Partial<SourceRendererOptions> = {}): SourceKit {
  const root = mkdtempSync(join(tmpdir(), 'gitferry-source-'));
  const bed = testbed();
  const checkouts = new GitCheckoutCache(join(root, 'checkouts'), { http: { guard: testbedGuard } });
  const renderer = new SourceRenderer(checkouts, {
    workRoot: join(root, 'renders'),
    tools: {
      helm: bed.bin.helm,
      kustomize: bed.bin.kustomize,
      jsonnet: bed.bin.jsonnet ?? binPath('jsonnet'),
    },
    guard: testbedGuard,
    // No reuse of branch heads unless a test asks for it: tests push and look again at once, with
    // clocks of their own.
    heads: new BranchHeadCache({ ttlMs: 0 }),
    ...opts,
  });
  return { root, checkouts, renderer, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
