import type { KubeObject, ObjectRef } from '../domain/kube-object.js';
import { groupOf } from '../domain/kube-object.js';
import { syncWaveOf } from './annotations.js';

/**
 * Kinds in dependency order within a wave (the order kubectl and Argo CD use): what others refer to
 * comes first. Kinds not listed (custom resources) come after, sorted by name.
 */
const kindOrder = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];
const kindRank = new Map(kindOrder.map((k, i) => [k, i]));

function rankOf(kind: string): number {
  return kindRank.get(kind) ?? kindOrder.length;
}

/**
 * Code-unit order, as Argo CD's Go `<` compares names. Not localeCompare: that loads ICU's
 * collation data into every worker (about 3 MB resident) and orders case and punctuation by
 * locale rules, not the way Argo CD applies.
 */
function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Kind rank, then kind, namespace and name for stability. Plain fields: sorts call it a lot. */
function compareOrder(
  aKind: string,
  aNamespace: string | undefined,
  aName: string,
  bKind: string,
  bNamespace: string | undefined,
  bName: string,
): number {
  return (
    rankOf(aKind) - rankOf(bKind) ||
    ordinal(aKind, bKind) ||
    ordinal(aNamespace ?? '', bNamespace ?? '') ||
    ordinal(aName, bName)
  );
}

/** Compares two objects for apply order: kind rank, then kind, namespace and name for stability. */
export function compareForApply(a: KubeObject, b: KubeObject): number {
  return compareOrder(
    a.kind,
    a.metadata.namespace,
    a.metadata.name,
    b.kind,
    b.metadata.namespace,
    b.metadata.name,
  );
}

/**
 * Reverse of apply order: dependants are deleted before what they depend on. Takes refs, since
 * what is deleted (prunes, an app's inventory) is known by ref, not by object.
 */
export function compareForDelete(a: ObjectRef, b: ObjectRef): number {
  return -compareOrder(a.kind, a.namespace, a.name, b.kind, b.namespace, b.name);
}

/** Namespaces and CRDs are applied first in their wave and must be ready before the rest. */
export function isFoundation(obj: KubeObject): boolean {
  return (
    (obj.kind === 'Namespace' && groupOf(obj.apiVersion) === '') ||
    (obj.kind === 'CustomResourceDefinition' && groupOf(obj.apiVersion) === 'apiextensions.k8s.io')
  );
}

export interface Wave<T> {
  wave: number;
  items: T[];
}

/** Groups items into sync waves in ascending order, each sorted for apply. */
export function groupByWave<T>(items: T[], objectOf: (item: T) => KubeObject): Wave<T>[] {
  const waves = new Map<number, T[]>();
  for (const item of items) {
    const w = syncWaveOf(objectOf(item));
    const list = waves.get(w);
    if (list) list.push(item);
    else waves.set(w, [item]);
  }
  return [...waves.entries()]
    .sort(([a], [b]) => a - b)
    .map(([wave, list]) => ({ wave, items: list.sort((x, y) => compareForApply(objectOf(x), objectOf(y))) }));
}
