import type { HealthStatus, HealthStatusCode } from '../domain/health.js';
import { healthStatuses } from '../domain/health.js';
import type { KubeObject } from '../domain/kube-object.js';
import { groupOf } from '../domain/kube-object.js';

/**
 * Health of live objects, with Argo CD's (gitops-engine's) semantics so that a status read in
 * Gitferry means what it means in Argo CD. Pure: reads the object, never the cluster.
 */

type HealthCheck = (live: KubeObject) => HealthStatus | undefined;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}

// ---------------------------------------------------------------------------------------------
// Reading plain JSON without trusting its shape
// ---------------------------------------------------------------------------------------------

function at(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function numberAt(value: unknown, ...path: string[]): number | undefined {
  const found = at(value, path);
  return typeof found === 'number' ? found : undefined;
}

function stringAt(value: unknown, ...path: string[]): string | undefined {
  const found = at(value, path);
  return typeof found === 'string' ? found : undefined;
}

function listAt(value: unknown, ...path: string[]): unknown[] {
  const found = at(value, path);
  return Array.isArray(found) ? found : [];
}

function toCondition(raw: unknown): Condition | undefined {
  const type = stringAt(raw, 'type');
  if (type === undefined) return undefined;
  return {
    type,
    status: stringAt(raw, 'status') ?? 'Unknown',
    reason: stringAt(raw, 'reason') ?? '',
    message: stringAt(raw, 'message') ?? '',
    observedGeneration: numberAt(raw, 'observedGeneration'),
  };
}

function toConditions(raw: unknown[]): Condition[] {
  return raw.map(toCondition).filter((c): c is Condition => c !== undefined);
}

function conditionsOf(live: KubeObject): Condition[] {
  return toConditions(listAt(live.status, 'conditions'));
}

function findCondition(conditions: Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

function hasCondition(conditions: Condition[], type: string, status: string): Condition | undefined {
  return conditions.find((c) => c.type === type && c.status === status);
}

/** A HealthStatus; an empty message is left out rather than kept as ''. */
function health(status: HealthStatusCode, message?: string): HealthStatus {
  return message ? { status, message } : { status };
}

function generationOf(live: KubeObject): number {
  return live.metadata.generation ?? 0;
}

/** Kubernetes defaults `spec.replicas` to 1; live objects always carry it, manifests may not. */
function desiredReplicas(live: KubeObject): number {
  return numberAt(live.spec, 'replicas') ?? 1;
}

// ---------------------------------------------------------------------------------------------
// Workloads (apps/v1): the rules of `kubectl rollout status`, as Argo CD applies them
// ---------------------------------------------------------------------------------------------

function deploymentHealth(live: KubeObject): HealthStatus {
  if (at(live.spec, ['paused']) === true) return health('Suspended', 'Deployment is paused');
  if ((numberAt(live.status, 'observedGeneration') ?? 0) < generationOf(live)) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed deployment generation less than desired generation',
    );
  }
  const progressing = findCondition(conditionsOf(live), 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return health(
      'Degraded',
      progressing.message || `Deployment "${live.metadata.name}" exceeded its progress deadline`,
    );
  }
  const desired = desiredReplicas(live);
  const replicas = numberAt(live.status, 'replicas') ?? 0;
  const updated = numberAt(live.status, 'updatedReplicas') ?? 0;
  const available = numberAt(live.status, 'availableReplicas') ?? 0;
  if (updated < desired) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated...`,
    );
  }
  if (replicas > updated) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...`,
    );
  }
  if (available < updated) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  }
  return health('Healthy');
}

/**
 * Like Argo CD, an OnDelete StatefulSet is Healthy once its pods are ready, even while pods still
 * run an old revision (argoproj/argo-cd#6527): the controller will not replace them by itself.
 */
function statefulSetHealth(live: KubeObject): HealthStatus {
  const observed = numberAt(live.status, 'observedGeneration') ?? 0;
  if (observed === 0 || observed < generationOf(live)) {
    return health('Progressing', 'Waiting for statefulset spec update to be observed...');
  }
  const desired = desiredReplicas(live);
  const ready = numberAt(live.status, 'readyReplicas') ?? 0;
  if (ready < desired) return health('Progressing', `Waiting for ${desired - ready} pods to be ready...`);
  const strategy = stringAt(live.spec, 'updateStrategy', 'type') ?? 'RollingUpdate';
  if (strategy === 'OnDelete') return health('Healthy', `statefulset has ${ready} ready pods`);
  const updated = numberAt(live.status, 'updatedReplicas') ?? 0;
  const partition = numberAt(live.spec, 'updateStrategy', 'rollingUpdate', 'partition');
  if (partition !== undefined) return partitionedRolloutHealth(updated, desired - partition);
  return revisionRolloutHealth(live, updated);
}

/** With a partition, only pods at or above the partition ordinal move to the new revision. */
function partitionedRolloutHealth(updated: number, expected: number): HealthStatus {
  if (updated < expected) {
    return health(
      'Progressing',
      `Waiting for partitioned roll out to finish: ${updated} out of ${expected} new pods have been updated...`,
    );
  }
  return health('Healthy', `partitioned roll out complete: ${updated} new pods have been updated...`);
}

function revisionRolloutHealth(live: KubeObject, updated: number): HealthStatus {
  const currentRevision = stringAt(live.status, 'currentRevision') ?? '';
  const updateRevision = stringAt(live.status, 'updateRevision') ?? '';
  if (updateRevision !== currentRevision) {
    return health(
      'Progressing',
      `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`,
    );
  }
  const current = numberAt(live.status, 'currentReplicas') ?? 0;
  return health(
    'Healthy',
    `statefulset rolling update complete ${current} pods at revision ${currentRevision}...`,
  );
}

function daemonSetHealth(live: KubeObject): HealthStatus {
  if ((numberAt(live.status, 'observedGeneration') ?? 0) < generationOf(live)) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed daemon set generation less than desired generation',
    );
  }
  const name = live.metadata.name;
  const desired = numberAt(live.status, 'desiredNumberScheduled') ?? 0;
  const updated = numberAt(live.status, 'updatedNumberScheduled') ?? 0;
  const available = numberAt(live.status, 'numberAvailable') ?? 0;
  if (stringAt(live.spec, 'updateStrategy', 'type') === 'OnDelete') {
    return health('Healthy', `daemon set ${updated} out of ${desired} new pods have been updated`);
  }
  if (updated < desired) {
    return health(
      'Progressing',
      `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  }
  if (available < desired) {
    return health(
      'Progressing',
      `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  }
  return health('Healthy');
}

function replicaSetHealth(live: KubeObject): HealthStatus {
  if ((numberAt(live.status, 'observedGeneration') ?? 0) < generationOf(live)) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed replica set generation less than desired generation',
    );
  }
  const failure = hasCondition(conditionsOf(live), 'ReplicaFailure', 'True');
  if (failure) return health('Degraded', failure.message || failure.reason);
  const desired = desiredReplicas(live);
  const available = numberAt(live.status, 'availableReplicas') ?? 0;
  if (available < desired) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${available} out of ${desired} new replicas are available...`,
    );
  }
  return health('Healthy');
}

// ---------------------------------------------------------------------------------------------
// Pods
// ---------------------------------------------------------------------------------------------

function containerStatusesOf(live: KubeObject): unknown[] {
  return [...listAt(live.status, 'initContainerStatuses'), ...listAt(live.status, 'containerStatuses')];
}

/** Waiting reasons that mean the kubelet keeps failing: ErrImagePull, CrashLoopBackOff, CreateContainerError… */
function isFailingWaitReason(reason: string): boolean {
  return reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff');
}

/**
 * Only for restartPolicy Always: a hook Pod (OnFailure/Never) that waits for an image must stay
 * Progressing, or its hook would fail before the image arrives (same rule as gitops-engine).
 */
function failingContainersHealth(live: KubeObject): HealthStatus | undefined {
  const messages: string[] = [];
  for (const container of containerStatusesOf(live)) {
    const reason = stringAt(container, 'state', 'waiting', 'reason') ?? '';
    if (!isFailingWaitReason(reason)) continue;
    const name = stringAt(container, 'name') ?? '?';
    messages.push(stringAt(container, 'state', 'waiting', 'message') || `container "${name}": ${reason}`);
  }
  return messages.length > 0 ? health('Degraded', messages.join(', ')) : undefined;
}

function isPodReady(live: KubeObject): boolean {
  const ready = findCondition(conditionsOf(live), 'Ready');
  if (ready) return ready.status === 'True';
  const containers = listAt(live.status, 'containerStatuses');
  return containers.length > 0 && containers.every((c) => at(c, ['ready']) === true);
}

function terminatedMessage(container: unknown): string | undefined {
  const name = stringAt(container, 'name') ?? '?';
  const message = stringAt(container, 'state', 'terminated', 'message');
  if (message) return message;
  if (stringAt(container, 'state', 'terminated', 'reason') === 'OOMKilled') return 'OOMKilled';
  const exitCode = numberAt(container, 'state', 'terminated', 'exitCode') ?? 0;
  return exitCode !== 0 ? `container "${name}" failed with exit code ${exitCode}` : undefined;
}

function failedPodMessage(live: KubeObject): string | undefined {
  const message = stringAt(live.status, 'message');
  if (message) return message;
  return containerStatusesOf(live)
    .map(terminatedMessage)
    .find((m) => m !== undefined);
}

function pendingPodMessage(live: KubeObject): string | undefined {
  const unscheduled = hasCondition(conditionsOf(live), 'PodScheduled', 'False');
  return stringAt(live.status, 'message') || unscheduled?.message;
}

/** Running but not ready: a container that has already died once makes it Degraded (as in Argo CD). */
function runningPodHealth(live: KubeObject, restartPolicy: string): HealthStatus {
  const message = stringAt(live.status, 'message');
  if (restartPolicy !== 'Always') return health('Progressing', message);
  if (isPodReady(live)) return health('Healthy', message);
  const crashed = listAt(live.status, 'containerStatuses').find(
    (c) => at(c, ['lastState', 'terminated']) !== undefined,
  );
  if (crashed) {
    const name = stringAt(crashed, 'name') ?? '?';
    const reason = stringAt(crashed, 'lastState', 'terminated', 'reason') ?? 'an error';
    return health('Degraded', message || `container "${name}" is not ready after terminating with ${reason}`);
  }
  return health('Progressing', message || 'Waiting for containers to be ready');
}

function podHealth(live: KubeObject): HealthStatus {
  const restartPolicy = stringAt(live.spec, 'restartPolicy') ?? 'Always';
  if (restartPolicy === 'Always') {
    const failing = failingContainersHealth(live);
    if (failing) return failing;
  }
  const phase = stringAt(live.status, 'phase');
  switch (phase) {
    case 'Pending':
      return health('Progressing', pendingPodMessage(live));
    case 'Succeeded':
      return health('Healthy', stringAt(live.status, 'message'));
    case 'Failed':
      return health('Degraded', failedPodMessage(live));
    case 'Running':
      return runningPodHealth(live, restartPolicy);
    default:
      return health('Unknown', stringAt(live.status, 'message') || `Pod phase is ${phase ?? 'not reported'}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Other built-in kinds
// ---------------------------------------------------------------------------------------------

function jobHealth(live: KubeObject): HealthStatus {
  const conditions = conditionsOf(live);
  const failed = hasCondition(conditions, 'Failed', 'True');
  if (failed) return health('Degraded', failed.message || failed.reason);
  const complete = hasCondition(conditions, 'Complete', 'True');
  if (complete) return health('Healthy', complete.message);
  const suspended = hasCondition(conditions, 'Suspended', 'True');
  if (suspended || at(live.spec, ['suspend']) === true) {
    return health('Suspended', suspended?.message || 'Job is suspended');
  }
  return health('Progressing', 'Waiting for the job to complete');
}

function persistentVolumeClaimHealth(live: KubeObject): HealthStatus {
  const phase = stringAt(live.status, 'phase');
  switch (phase) {
    case 'Bound':
      return health('Healthy');
    case 'Lost':
      return health('Degraded', 'PersistentVolumeClaim lost its PersistentVolume');
    case 'Pending':
      return health('Progressing', 'Waiting for the claim to be bound');
    default:
      return health('Unknown', `PersistentVolumeClaim phase is ${phase ?? 'not reported'}`);
  }
}

function hasLoadBalancerAddress(live: KubeObject): boolean {
  return listAt(live.status, 'loadBalancer', 'ingress').length > 0;
}

function serviceHealth(live: KubeObject): HealthStatus {
  if (stringAt(live.spec, 'type') !== 'LoadBalancer' || hasLoadBalancerAddress(live))
    return health('Healthy');
  return health('Progressing', 'Waiting for the load balancer to get an address');
}

function ingressHealth(live: KubeObject): HealthStatus {
  if (hasLoadBalancerAddress(live)) return health('Healthy');
  return health('Progressing', 'Waiting for the load balancer to get an address');
}

/** autoscaling/v1 has no status.conditions: the controller writes them to this annotation as JSON. */
const hpaV1ConditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions';

function hpaConditionsOf(live: KubeObject): Condition[] | undefined {
  if (live.apiVersion !== 'autoscaling/v1') return conditionsOf(live);
  const raw = live.metadata.annotations?.[hpaV1ConditionsAnnotation];
  if (raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? toConditions(parsed) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Degraded when it cannot scale (AbleToScale False) or cannot compute a replica count
 * (ScalingActive False). ScalingActive False with ScalingDisabled only means the target was scaled
 * to zero on purpose. Before the controller reports anything, Argo CD says "Waiting to Autoscale".
 */
function horizontalPodAutoscalerHealth(live: KubeObject): HealthStatus {
  const conditions = hpaConditionsOf(live);
  if (conditions === undefined)
    return health('Unknown', `annotation ${hpaV1ConditionsAnnotation} is not a JSON list`);
  if (conditions.length === 0) return health('Progressing', 'Waiting to Autoscale');
  const unable = hasCondition(conditions, 'AbleToScale', 'False');
  if (unable) return health('Degraded', unable.message || unable.reason);
  const inactive = hasCondition(conditions, 'ScalingActive', 'False');
  if (inactive && inactive.reason !== 'ScalingDisabled') {
    return health('Degraded', inactive.message || inactive.reason);
  }
  return health('Healthy', findCondition(conditions, 'ScalingActive')?.message);
}

function customResourceDefinitionHealth(live: KubeObject): HealthStatus {
  const conditions = conditionsOf(live);
  const rejected = hasCondition(conditions, 'NamesAccepted', 'False');
  if (rejected) return health('Degraded', `CRD names have not been accepted: ${rejected.message}`);
  const nonStructural = hasCondition(conditions, 'NonStructuralSchema', 'True');
  if (nonStructural) return health('Degraded', `Schema violations found: ${nonStructural.message}`);
  if (hasCondition(conditions, 'Established', 'True')) return health('Healthy', 'CRD is healthy');
  return health('Progressing', 'Waiting for the CRD to be established');
}

function apiServiceHealth(live: KubeObject): HealthStatus {
  const available = findCondition(conditionsOf(live), 'Available');
  if (!available) return health('Progressing', 'Waiting to be processed');
  const message = `${available.reason}: ${available.message}`;
  return health(available.status === 'True' ? 'Healthy' : 'Progressing', message);
}

function namespaceHealth(live: KubeObject): HealthStatus {
  const phase = stringAt(live.status, 'phase');
  if (phase === 'Active') return health('Healthy');
  if (phase === 'Terminating') return health('Progressing', 'Namespace is terminating');
  return health('Unknown', `Namespace phase is ${phase ?? 'not reported'}`);
}

// ---------------------------------------------------------------------------------------------
// Custom resources: the conventions of kstatus (kubernetes-sigs/cli-utils) and Flux
// ---------------------------------------------------------------------------------------------

/** Ready=False with one of these reasons means "not yet", not "failed" (Flux, Crossplane, …). */
const progressingReasons = new Set([
  'Progressing',
  'ProgressingWithRetry',
  'Reconciling',
  'DependencyNotReady',
  'Creating',
]);

function readinessHealth(live: KubeObject, ready: Condition): HealthStatus {
  const generation = generationOf(live);
  if (ready.observedGeneration !== undefined && ready.observedGeneration < generation) {
    return health('Progressing', `Waiting for ${ready.type} to reflect generation ${generation}`);
  }
  const message = ready.message || ready.reason;
  if (ready.status === 'True') return health('Healthy', message);
  if (ready.status === 'False' && !progressingReasons.has(ready.reason)) return health('Degraded', message);
  return health('Progressing', message);
}

/** No health unless the controller reports some: conditions or an observed generation. */
function customResourceHealth(live: KubeObject): HealthStatus | undefined {
  const conditions = conditionsOf(live);
  const observed = numberAt(live.status, 'observedGeneration');
  if (conditions.length === 0 && observed === undefined) return undefined;
  if (observed !== undefined && observed < generationOf(live)) {
    return health(
      'Progressing',
      `Waiting for generation ${generationOf(live)} to be observed (at ${observed})`,
    );
  }
  const stalled = hasCondition(conditions, 'Stalled', 'True');
  if (stalled) return health('Degraded', stalled.message || stalled.reason);
  const reconciling = hasCondition(conditions, 'Reconciling', 'True');
  if (reconciling) return health('Progressing', reconciling.message || reconciling.reason);
  const ready = findCondition(conditions, 'Ready') ?? findCondition(conditions, 'Available');
  return ready ? readinessHealth(live, ready) : health('Healthy');
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/** Health checks by `group/Kind` (the core group is empty: `/Pod`). */
const healthChecks = new Map<string, HealthCheck>([
  ['apps/Deployment', deploymentHealth],
  ['apps/StatefulSet', statefulSetHealth],
  ['apps/DaemonSet', daemonSetHealth],
  ['apps/ReplicaSet', replicaSetHealth],
  ['/Pod', podHealth],
  ['/PersistentVolumeClaim', persistentVolumeClaimHealth],
  ['/Service', serviceHealth],
  ['/Namespace', namespaceHealth],
  ['batch/Job', jobHealth],
  ['networking.k8s.io/Ingress', ingressHealth],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerHealth],
  ['apiextensions.k8s.io/CustomResourceDefinition', customResourceDefinitionHealth],
  ['apiregistration.k8s.io/APIService', apiServiceHealth],
]);

/**
 * Health of a live object: Missing when it does not exist, undefined for kinds that have no health
 * (ConfigMap, Secret, RBAC…). An object being deleted is Progressing whatever its kind, as in Argo CD.
 */
export function assessHealth(live: KubeObject | undefined): HealthStatus | undefined {
  if (live === undefined) return health('Missing');
  if (live.metadata.deletionTimestamp) return health('Progressing', 'Pending deletion');
  const check = healthChecks.get(`${groupOf(live.apiVersion)}/${live.kind}`) ?? customResourceHealth;
  return check(live);
}

/**
 * Health checks an installation adds (Lua scripts, lua-health.ts): asked before the built-in
 * checks, as Argo CD asks its resource customizations first; undefined when none covers the kind.
 */
export interface CustomHealth {
  assess(live: KubeObject): Promise<HealthStatus | undefined>;
}

/** assessHealth, with the installation's custom checks first. */
export async function assessHealthWith(
  custom: CustomHealth | undefined,
  live: KubeObject | undefined,
): Promise<HealthStatus | undefined> {
  if (custom && live && !live.metadata.deletionTimestamp) {
    const found = await custom.assess(live);
    if (found) return found;
  }
  return assessHealth(live);
}

const severity = new Map<HealthStatusCode, number>(healthStatuses.map((s, i) => [s, i]));

/** The worst of several statuses (the first one on ties); Healthy when there are none. */
export function worstHealth(statuses: HealthStatus[]): HealthStatus {
  const rank = (h: HealthStatus): number => severity.get(h.status) ?? 0;
  return (
    statuses.reduce<HealthStatus | undefined>(
      (worst, next) => (worst === undefined || rank(next) > rank(worst) ? next : worst),
      undefined,
    ) ?? health('Healthy')
  );
}
