import type { App } from './app.js';
import type { HealthStatus } from './health.js';
import type { InventoryEntry } from './kube-object.js';
import type { AppStatus, OperationPhase, SyncStatusCode } from './status.js';

/**
 * What a drift pass reads of one app, kept by the store beside its status and inventory and filed
 * under the app's destination, so a pass reads the views of a whole cluster in a few requests
 * instead of a status and an inventory per app (on DynamoDB: one Query billed by the bytes read,
 * not two reads per app). A view can lag the app's own items (DynamoDB's index is eventually
 * consistent) and either half can be missing (an app not stepped since views were kept, a
 * destination changed since, an inventory too large to keep twice): the pass then reads the app's
 * own status or inventory, as it did before views existed.
 */
export interface DriftView {
  app: string;
  /** The compared fields of the app's status; undefined: read the status itself. */
  status?: DriftStatus;
  /** The app's inventory; undefined: read the inventory itself. */
  inventory?: InventoryEntry[];
}

/** The fields of a status a drift pass compares (drift-check.ts). */
export interface DriftStatus {
  sync: SyncStatusCode;
  revision?: string;
  renderKey?: string;
  health: HealthStatus['status'];
  operation?: { phase: OperationPhase; startedAt: string; revision?: string };
}

/** The compared fields of a status; a status missing parts (stored by an older build) reads as Unknown. */
export function driftStatusOf(status: AppStatus): DriftStatus {
  const op = status.operation;
  const sync: Partial<AppStatus['sync']> = status.sync ?? {};
  return {
    sync: sync.status ?? 'Unknown',
    ...(sync.revision !== undefined ? { revision: sync.revision } : {}),
    ...(sync.renderKey !== undefined ? { renderKey: sync.renderKey } : {}),
    health: status.health?.status ?? 'Unknown',
    ...(op
      ? {
          operation: {
            phase: op.phase,
            startedAt: op.startedAt,
            ...(op.revision !== undefined ? { revision: op.revision } : {}),
          },
        }
      : {}),
  };
}

/** Where an app's views are filed, and how a drift pass groups apps: its cluster's name, or server. */
export function destinationKeyOf(app: Pick<App, 'destination'>): string {
  return app.destination.name ?? app.destination.server ?? '';
}

/**
 * The longest destination a view is filed under (DynamoDB index keys are at most 2 KB; a cluster's
 * name or server is far shorter): an app whose destination is longer has no view.
 */
export const maxDestinationKeyBytes = 1_000;

/** Whether an app's views can be filed under its destination. */
export function hasFileableDestination(app: Pick<App, 'destination'>): boolean {
  return Buffer.byteLength(destinationKeyOf(app)) <= maxDestinationKeyBytes;
}
