/** Health as Argo CD names it; order matters: later is worse (for aggregation). */
export const healthStatuses = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
] as const;
export type HealthStatusCode = (typeof healthStatuses)[number];

export interface HealthStatus {
  status: HealthStatusCode;
  message?: string;
}
