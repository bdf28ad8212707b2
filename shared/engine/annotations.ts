import type { KubeObject } from '../domain/kube-object.js';
import { formatRef, refOf } from '../domain/kube-object.js';
import { ManifestError } from './errors.js';

/** Annotations Gitferry reads, named as Argo CD names them so Argo users' manifests work as-is. */
export const annotationKeys = {
  syncWave: 'argocd.argoproj.io/sync-wave',
  hook: 'argocd.argoproj.io/hook',
  hookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  syncOptions: 'argocd.argoproj.io/sync-options',
  helmHook: 'helm.sh/hook',
  helmHookDeletePolicy: 'helm.sh/hook-delete-policy',
  helmHookWeight: 'helm.sh/hook-weight',
  /** `keep`: Helm leaves the object on uninstall; Argo CD (2.8+) and Gitferry treat it as Delete=false. */
  helmResourcePolicy: 'helm.sh/resource-policy',
  /** Written by Gitferry on live objects, for display and adoption checks only (never for pruning). */
  trackingApp: 'gitferry.dev/app',
} as const;

export const hookTypes = ['PreSync', 'Sync', 'PostSync', 'SyncFail', 'Skip'] as const;
export type HookType = (typeof hookTypes)[number];

const helmHookMap: Record<string, HookType> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};

function annotation(obj: KubeObject, key: string): string | undefined {
  return obj.metadata.annotations?.[key];
}

/** The object's sync wave; hooks without one fall back to helm.sh/hook-weight, as Argo CD does. */
export function syncWaveOf(obj: KubeObject): number {
  const raw = annotation(obj, annotationKeys.syncWave) ?? annotation(obj, annotationKeys.helmHookWeight);
  if (raw === undefined || raw.trim() === '') return 0;
  // Decimal integers only, as Argo CD parses them (no hex, exponents or fractions).
  const wave = /^\s*[-+]?\d+\s*$/.test(raw) ? Number.parseInt(raw, 10) : Number.NaN;
  if (!Number.isSafeInteger(wave)) {
    throw new ManifestError(
      `${formatRef(refOf(obj))}: annotation ${annotationKeys.syncWave} must be an integer, got "${raw}"`,
    );
  }
  return wave;
}

/** Hook types of an object (Argo's annotation wins over Helm's); empty for ordinary resources. */
export function hookTypesOf(obj: KubeObject): HookType[] {
  const argo = annotation(obj, annotationKeys.hook);
  if (argo !== undefined) {
    return argo.split(',').map((h) => {
      const t = h.trim() as HookType;
      if (!hookTypes.includes(t))
        throw new ManifestError(
          `${formatRef(refOf(obj))}: unknown hook type "${h.trim()}" in ${annotationKeys.hook}`,
        );
      return t;
    });
  }
  const helm = annotation(obj, annotationKeys.helmHook);
  if (helm === undefined) return [];
  // Helm hooks without an Argo equivalent (test, pre-delete…) are skipped, as Argo CD does.
  const mapped = helm.split(',').map((h) => helmHookMap[h.trim()]);
  return mapped.every((m) => m === undefined)
    ? ['Skip']
    : [...new Set(mapped.filter((m): m is HookType => m !== undefined))];
}

export type HookDeletePolicy = 'HookSucceeded' | 'HookFailed' | 'BeforeHookCreation';

export function hookDeletePoliciesOf(obj: KubeObject): HookDeletePolicy[] {
  const raw =
    annotation(obj, annotationKeys.hookDeletePolicy) ?? annotation(obj, annotationKeys.helmHookDeletePolicy);
  if (raw === undefined) return ['BeforeHookCreation'];
  const helm: Record<string, HookDeletePolicy> = {
    'hook-succeeded': 'HookSucceeded',
    'hook-failed': 'HookFailed',
    'before-hook-creation': 'BeforeHookCreation',
  };
  return raw.split(',').map((p) => {
    const t = p.trim();
    const policy = (helm[t] ?? t) as HookDeletePolicy;
    if (!['HookSucceeded', 'HookFailed', 'BeforeHookCreation'].includes(policy)) {
      throw new ManifestError(`${formatRef(refOf(obj))}: unknown hook delete policy "${t}"`);
    }
    return policy;
  });
}

/** Per-resource sync options, e.g. `Prune=false,Replace=true`. */
export function resourceSyncOptions(obj: KubeObject): Map<string, string> {
  const raw = annotation(obj, annotationKeys.syncOptions);
  const options = new Map<string, string>();
  for (const part of raw?.split(',') ?? []) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k) options.set(k, v ?? 'true');
  }
  return options;
}

export function hasSyncOption(obj: KubeObject, key: string, value = 'true'): boolean {
  return resourceSyncOptions(obj).get(key)?.toLowerCase() === value.toLowerCase();
}

/**
 * Why the live object must outlive its app (app delete) and its removal from Git (prune), or
 * undefined: `helm.sh/resource-policy: keep`, as Argo CD reads it since 2.8 (Delete=false).
 */
export function keepPolicyOf(obj: KubeObject): string | undefined {
  const policy = annotation(obj, annotationKeys.helmResourcePolicy);
  return policy?.trim().toLowerCase() === 'keep' ? `${annotationKeys.helmResourcePolicy}: keep` : undefined;
}

/** Why app delete must leave the live object alone (`Delete=false` or resource-policy keep), or undefined. */
export function keptOnAppDelete(obj: KubeObject): string | undefined {
  return hasSyncOption(obj, 'Delete', 'false') ? 'Delete=false' : keepPolicyOf(obj);
}
